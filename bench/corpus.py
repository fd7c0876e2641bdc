"""A deterministic corpus of papers in Broadsheet's content format, for benchmarks.

    python bench/corpus.py 20000 /tmp/corpus          # 20,000 papers under /tmp/corpus/papers/
    python bench/corpus.py 20000 /tmp/corpus --daily  # then the daily change: 30 new, 200 re-voted

The same N and seed always give the same bytes. The text has the oddities of the real data:
LaTeX, `<EOS>`-like tokens, non-ASCII names and words, long author lists, links in abstracts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.model import Paper
from generator.store import paper_path, paper_text

PER_DAY = 25
FIRST_DAY = dt.date(2011, 1, 3)  # a Monday; listed days are weekdays from here on (100,000 papers end in 2026:
# the loader refuses dates more than a year from today)
DAILY_NEW, DAILY_REVOTED = 30, 200

TOPICS = (
    "vision-language",
    "contrastive-pretraining",
    "medical-imaging",
    "video",
    "3d",
    "speech",
    "prompt-learning",
    "continual-learning",
    "alignment",
    "reinforcement-learning",
    "diffusion",
    "agents",
    "reasoning",
    "code-generation",
    "retrieval",
    "robotics",
    "efficient-inference",
    "quantization",
    "distillation",
    "benchmarks",
    "multilinguality",
    "safety",
    "interpretability",
    "long-context",
    "mixture-of-experts",
    "tokenization",
    "graph-learning",
    "time-series",
    "recommendation",
    "federated-learning",
    "privacy",
    "fairness",
    "audio-generation",
    "text-to-image",
    "image-editing",
    "segmentation",
    "detection",
    "tracking",
    "pose-estimation",
    "autonomous-driving",
    "remote-sensing",
    "weather",
    "chemistry",
    "biology",
    "materials",
    "mathematics",
    "theorem-proving",
    "optimisation",
    "scaling-laws",
    "data-curation",
    "synthetic-data",
    "evaluation",
    "hallucination",
    "instruction-tuning",
    "world-models",
    "embodied-ai",
    "gaussian-splatting",
    "nerf",
    "state-space-models",
    "world-knowledge",
)
GIVEN = (
    "Wei",
    "Ana",
    "José",
    "Zoë",
    "Łukasz",
    "Ngọc",
    "Sören",
    "Aïcha",
    "Hiroshi",
    "Priya",
    "Olúwáṣeun",
    "Chen",
    "María",
    "Jörg",
    "Siddharth",
    "Élodie",
    "Yuki",
    "Kofi",
    "Ingrid",
    "Rafael",
    "Xiaoming",
    "Dmitrij",
)
FAMILY = (
    "Zhang",
    "García",
    "Müller",
    "Nguyễn",
    "Kowalski",
    "Tanaka",
    "Okafor",
    "Søndergaard",
    "Li",
    "Rodríguez",
    "Ivanova",
    "Dubois",
    "Kim",
    "Rossi",
    "Wang",
    "O'Brien",
    "Çelik",
    "Haddad",
    "Smith",
    "Патель",
)
WORDS = (
    "we",
    "propose",
    "a",
    "novel",
    "framework",
    "for",
    "learning",
    "representations",
    "from",
    "large",
    "scale",
    "data",
    "that",
    "improves",
    "performance",
    "on",
    "benchmark",
    "tasks",
    "our",
    "method",
    "model",
    "training",
    "the",
    "of",
    "and",
    "with",
    "by",
    "results",
    "show",
    "state-of-the-art",
    "transformer",
    "attention",
    "tokens",
    "zero-shot",
    "few-shot",
    "fine-tuning",
    "pre-training",
    "evaluation",
    "dataset",
    "language",
    "vision",
    "multimodal",
    "efficient",
    "robust",
    "naïve",
    "baseline",
    "ablation",
    "experiments",
    "demonstrate",
    "significant",
    "gains",
    "across",
    "domains",
    "reward",
    "policy",
    "latent",
    "diffusion",
    "sampling",
    "inference",
    "memory",
    "compute",
    "budget",
    "façade",
    "Schrödinger",
    "embeddings",
    "学习",
    "décor",
    "alignment",
    "preference",
    "human",
    "feedback",
)
# Text that abstracts carry and Markdown leaves alone, and text that it does not (a backslash escape,
# an underscore, a backtick, <EOS>-like tokens): 11% of the seed listing's abstracts have the
# latter, and so do 12% of these (MARKUP_SHARE of them get one, and some of those stay plain).
PLAIN_ODDITIES = ("$O(n^2)$", "$k=5$", "~40%", "(§3.2)", "2.5×", "≥90%", "GPT-4o", "e.g.,", "—", "“quoted”")
MARKUP_ODDITIES = (
    r"$\mathcal{O}(n \log n)$",
    r"$\alpha=0.5$",
    "<EOS>",
    "<|endoftext|>",
    r"\textbf{SOTA}",
    "x_{t+1}",
    r"$p_\theta(x)$",
    "&",
    "a < b > c",
    "**not** markdown",
    "`code`",
)
MARKUP_SHARE = 0.25


def day_of(index: int) -> dt.date:
    """The listed day of the index-th paper: PER_DAY papers per weekday."""
    weekdays = index // PER_DAY
    weeks, rest = divmod(weekdays, 5)
    return FIRST_DAY + dt.timedelta(weeks=weeks, days=rest)


def make_paper(index: int, seed: int = 0) -> Paper:
    rng = random.Random(seed * 1_000_003 + index)
    listed = day_of(index)
    published = listed - dt.timedelta(days=rng.randint(0, 6))
    paper_id = f"{listed:%y%m}.{index % 100_000:05d}"
    return Paper(
        id=paper_id,
        title=title(rng),
        abstract=abstract(rng),
        authors=tuple(author(rng) for _ in range(rng.randint(1, 30))),
        published=published,
        listed=listed,
        upvotes=int(rng.paretovariate(1.2)) - 1 if rng.random() < 0.9 else 0,
        comments=rng.randint(0, 5),
        tags=tuple(sorted(rng.sample(TOPICS, rng.randint(1, 4)))),
        github=f"https://github.com/lab{rng.randint(1, 999)}/{paper_id.replace('.', '-')}"
        if rng.random() < 0.4
        else None,
    )


def title(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(5, 14))
    return " ".join(words).capitalize() + (": " + rng.choice(MARKUP_ODDITIES) if rng.random() < 0.2 else "")


def author(rng: random.Random) -> str:
    return f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"


def abstract(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(150, 250))
    for _ in range(rng.randint(0, 3)):
        words[rng.randrange(len(words))] = rng.choice(PLAIN_ODDITIES)
    if rng.random() < MARKUP_SHARE:
        words[rng.randrange(len(words))] = rng.choice(MARKUP_ODDITIES)
    sentences = [" ".join(words[i : i + 18]).capitalize() + "." for i in range(0, len(words), 18)]
    half = len(sentences) // 2
    if rng.random() < 0.3:  # a second paragraph, as arXiv abstracts sometimes have
        return " ".join(sentences[:half]) + "\n\n" + " ".join(sentences[half:])
    return " ".join(sentences)


def papers(n: int, seed: int = 0, start: int = 0) -> Iterator[Paper]:
    for index in range(start, start + n):
        yield make_paper(index, seed)


def write(content: Path, items: Iterator[Paper]) -> int:
    count = 0
    for paper in items:
        path = paper_path(content, paper.id, paper.archive_date)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(paper_text(paper), encoding="utf-8")
        count += 1
    return count


def make_corpus(content: Path, n: int, seed: int = 0) -> int:
    """Writes papers 0..n-1 under `content`."""
    return write(content, papers(n, seed))


def daily_change(content: Path, n: int, seed: int = 0) -> None:
    """A day of Daily Papers on a corpus of `n`: DAILY_NEW new papers, DAILY_REVOTED older ones re-voted."""
    write(content, papers(DAILY_NEW, seed, start=n))
    rng = random.Random(seed + n)
    revoted = (make_paper(i, seed) for i in rng.sample(range(n), min(DAILY_REVOTED, n)))
    write(content, (revote(p, rng) for p in revoted))


def revote(paper: Paper, rng: random.Random) -> Paper:
    return replace(paper, upvotes=(paper.upvotes or 0) + rng.randint(1, 20))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="papers in the corpus")
    parser.add_argument("content", type=Path, help="content folder to write (papers/ goes inside)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--daily", action="store_true", help="apply the daily change to an existing corpus of n")
    args = parser.parse_args(argv)
    if args.daily:
        daily_change(args.content, args.n, args.seed)
    else:
        print(make_corpus(args.content, args.n, args.seed), "papers written to", args.content)


if __name__ == "__main__":
    main()
