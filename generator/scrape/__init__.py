"""The scraper: Hugging Face Daily Papers (JSON API, then HTML) and arXiv into content/.

Layers, outermost last: `client` (HTTP with retries; `body` reads a response within its size and
time limits), the parsers (`hf_api`, `hf_html`, `arxiv`) that turn one response into
`records.ScrapedPaper`s (`text` cleans what the services send), `sources` (which URL for what, and
which source to try next), `merge` (pure rules for folding a record into an existing Paper),
`filters` (the topic filter), `shelf` (content/ as the scraper sees it, and its writes), `run`
(fetch on `workers` threads until the run's deadline, merge, write), `window` (which days a daily
scrape fetches), `resolve` (seed papers to arXiv ids) and `commands` (`scrape`, `add`, `resolve`
on the CLI). Nothing here imports the renderer.
"""
