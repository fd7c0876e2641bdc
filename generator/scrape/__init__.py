"""The scraper: Hugging Face Daily Papers (JSON API, then HTML) and arXiv into content/.

Layers, outermost last: `client` (HTTP with retries; `body` reads a response within its size and
time limits), the parsers (`hf_api`, `hf_html`, `arxiv`) that turn one response into
`records.ScrapedPaper`s, `merge` (pure rules for folding a record into an existing Paper),
`filters` (the topic filter), `run` (fetch days on `workers` threads until the run's deadline,
merge, write) and `commands` (CLI). Nothing here imports the renderer.
"""
