"""The declaration of a paper's fields (model.Paper) against what derives from it: the loader's checks,
the file's key order, and the tables of docs/content-format.md."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import textwrap
from pathlib import Path

import pytest

from generator import cli, model
from generator.loader import load_content, parse_file
from generator.model import FIELDS, KEYS, MAX_COUNT, MAX_NAME, Declared, Kind, Owner, Paper, owned_by
from generator.scrape.merge import new_paper
from generator.scrape.records import ScrapedPaper, within_limits
from generator.scrape.shelf import write_new
from generator.store import paper_text
from tests.conftest import write_content

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "content-format.md"

# One usable value of each kind, as a Paper holds it.
SAMPLE = {
    Kind.ID: "2401.00001",
    Kind.TEXT: "Some text",
    Kind.URL: "https://example.org/x",
    Kind.COUNT: 7,
    Kind.DAY: dt.date(2024, 1, 2),
    Kind.NAMES: ("Ann Lee", "Bo Chen"),
    Kind.TAGS: ("vision", "llm-alignment"),
    Kind.IDS: ("an-old-slug",),
    Kind.BODY: "An abstract.",
}


def keys_table() -> list[str]:
    """The table of keys in docs/content-format.md, as the declarations make it."""
    rows = ["| key | required | type | owner | meaning |", "|---|---|---|---|---|"]
    for name, declared in KEYS.items():
        required = "**yes**" if declared.required else "no"
        rows.append(f"| `{name}` | {required} | {declared.kind.value} | {declared.owner.value} | {declared.doc} |")
    return rows


def doc_table(heading: str) -> list[str]:
    """The first Markdown table after `heading` in docs/content-format.md."""
    text = DOC.read_text(encoding="utf-8")
    after = text[text.index(f"\n{heading}\n") :].split("\n")
    start = next(i for i, line in enumerate(after) if line.startswith("|"))
    end = next(i for i in range(start, len(after)) if not after[i].startswith("|"))
    return after[start:end]


def test_the_table_of_keys_in_the_docs_is_the_declaration():
    expected = keys_table()
    assert doc_table("## Keys") == expected, "paste into docs/content-format.md, ## Keys:\n" + "\n".join(expected)


def test_each_merge_rule_in_the_docs_names_the_fields_of_one_owner():
    named = []
    for row in doc_table("**An existing file** changes only like this:")[2:]:
        first = row.split("|")[1]
        names = set(re.findall(r"`(\w+)`", first)) | ({"abstract"} if "the abstract" in first else set())
        if names:
            named.append(names)
    assert sorted(map(sorted, named)) == sorted(sorted(owned_by(owner)) for owner in Owner)


def test_the_limits_in_the_docs_are_the_declared_ones():
    """Every field with a limit, and every count (`MAX_COUNT`), has its row under "Limits"."""
    rows = doc_table("## Limits")[2:]
    for name, declared in FIELDS.items():
        if declared.kind is Kind.COUNT:
            limit = f"0 to {MAX_COUNT:,}"
        elif declared.limit:
            limit = f"{declared.limit:,} "
        else:
            continue
        label = "abstract (the body)" if declared.kind is Kind.BODY else f"`{name}`"
        found = [r for r in rows if label in r.split("|")[1]]
        assert len(found) == 1, f"docs/content-format.md, ## Limits: name {label} in one row, its limit {limit.strip()}"
        assert limit in found[0].split("|")[2], (name, found[0])


def a_paper_with_every_field() -> Paper:
    return Paper(**{name: SAMPLE[declared.kind] for name, declared in FIELDS.items()})


def test_a_written_file_has_every_key_in_declaration_order_and_reads_back_the_same(tmp_path):
    paper = a_paper_with_every_field()
    text = paper_text(paper)
    keys = [line.split(":")[0] for line in text.split("\n---\n")[0].splitlines() if re.match(r"\w+:", line)]
    assert keys == list(KEYS)
    path = write_content(tmp_path, "2024/01/2401.00001.md", text)
    read, problems = parse_file(path, path.read_bytes())
    assert problems == [] and read == Paper(**{**vars(paper), "source_path": str(path)})


@pytest.mark.parametrize(("name", "declared"), [(n, d) for n, d in KEYS.items() if d.kind is not Kind.ID])
def test_every_declared_key_is_checked_and_a_bad_value_is_reported_at_its_line(content, name: str, declared: Declared):
    other = "" if name == "title" else "title: T\n"
    path = write_content(content, "2024/01/bad.md", f"---\n{other}{name}: {{a: 1}}\n---\nBody.\n")
    (problem,) = load_content(content).errors
    assert (problem.path, problem.line, problem.message.split(":")[0]) == (str(path), 2 + bool(other), name)


def test_a_key_nobody_declared_is_a_warning_and_ignored(content):
    write_content(content, "2024/01/x.md", "---\ntitle: T\npublished: 2024-01-01\nmood: happy\n---\n")
    result = load_content(content)
    assert [str(p).split(": ", 1)[1] for p in result.problems] == ["warning: mood: unknown key (ignored)"]
    assert len(result.papers) == 1 and not hasattr(result.papers[0], "mood")


@pytest.mark.parametrize("item", ["2310.10010", "yes", "007"])
def test_an_alias_yaml_reads_as_a_number_is_an_error_at_its_line(content, item: str):
    """Unquoted, 2310.10010 is the float 2310.1001: its page would be /papers/2310.1001/, not the old URL."""
    path = write_content(content, "2024/01/x.md", f"---\ntitle: T\nlisted: 2024-01-01\naliases:\n- {item}\n---\n")
    (problem,) = load_content(content).errors
    assert (problem.path, problem.line) == (str(path), 4)
    assert problem.message.startswith("aliases: ") and problem.message.endswith("not as written: quote each id")
    write_content(content, "2024/01/x.md", f"---\ntitle: T\nlisted: 2024-01-01\naliases:\n- '{item}'\n---\n")
    assert load_content(content).papers[0].aliases == (item,)


EMPTY_ID = "id: empty; give an id, or leave the key out to take the file's name"


@pytest.mark.parametrize("written", ["id: null", "id: Null", "id: NULL", "id: ~", "id:", "id: ", "id: ~ # none"])
def test_an_id_yaml_reads_as_null_is_an_error_at_its_line(content, capsys, written: str):
    """Read as written, `id: null` was the id "null", while `id: ~` (the same null) was refused."""
    path = write_content(content, "2024/01/x.md", f"---\ntitle: T\n{written}\nlisted: 2024-01-01\n---\nBody.\n")
    (problem,) = load_content(content).errors
    assert (problem.path, problem.line, problem.message) == (str(path), 3, EMPTY_ID)
    assert cli.main(["check", "--content", str(content)]) == 1
    assert f"x.md:3: {EMPTY_ID}\n" in capsys.readouterr().err


@pytest.mark.parametrize("written", ["id: [a, b]", "id:\n- a\n- b", "id: {a: 1}"])
def test_an_id_that_is_a_list_or_mapping_is_an_error_at_its_line(content, written: str):
    """It had no scalar as written, so it passed unseen and the file's name became the id."""
    path = write_content(content, "2024/01/x.md", f"---\ntitle: T\n{written}\nlisted: 2024-01-01\n---\nBody.\n")
    (problem,) = load_content(content).errors
    assert (problem.path, problem.line) == (str(path), 3)
    assert problem.message == "id: expected one id, not a list or mapping"


@pytest.mark.parametrize("written", ["id: 'null'", 'id: "null"', "id: 'NULL'"])
def test_a_quoted_null_is_an_id_as_written(content, written: str):
    write_content(content, "2024/01/x.md", f"---\ntitle: T\n{written}\nlisted: 2024-01-01\n---\nBody.\n")
    result = load_content(content)
    assert not result.errors and [p.id for p in result.papers] == [written[5:-1]]


def test_every_kind_has_a_sample_and_every_field_an_owner_and_a_line_of_docs():
    assert set(SAMPLE) == set(Kind)
    for name, declared in FIELDS.items():
        assert declared.doc and "\n" not in declared.doc and "|" not in declared.doc, name
        assert declared.limit > 0 or declared.kind in (Kind.ID, Kind.COUNT, Kind.DAY), name


def over_the_limit(declared: Declared) -> object:
    """A value of `declared`'s kind past its limit: one item too many, and one item too long."""
    limit = declared.limit
    if declared.kind.is_list:
        return (*(f"item-{i}" for i in range(limit)), "x" * (MAX_NAME + 1), "last")
    if declared.kind is Kind.BODY:
        return "word " * (limit // 5 + 10)
    return "https://example.org/" + "x" * limit


@pytest.mark.parametrize(("name", "declared"), [(n, d) for n, d in FIELDS.items() if d.limit and not d.required])
def test_a_scraped_value_past_its_declared_limit_is_cut_and_its_file_passes_check(tmp_path, name, declared):
    scraped = within_limits(ScrapedPaper(id="2401.00001", title="T", source="s", **{name: over_the_limit(declared)}))
    assert [note.split(": ")[1].split()[0] for note in scraped.notes] == [name]
    kept = getattr(scraped, name)
    assert kept is None if declared.kind in (Kind.TEXT, Kind.URL) else 0 < len(kept) <= declared.limit
    paper = new_paper(scraped, scraped.tags)
    write_new(tmp_path, paper)
    loaded = load_content(tmp_path)
    assert loaded.errors == [] and getattr(loaded.papers[0], name) == getattr(paper, name)


def adding_a_field() -> str:
    text = (ROOT / "docs" / "contributing.md").read_text(encoding="utf-8")
    section = text[text.index("## Adding a field") :]
    return section.split("\n## ", 1)[0]


def test_the_declaration_that_adding_a_field_shows_declares_a_field():
    (snippet,) = re.findall(r"```python\n(.*?)```", adding_a_field(), re.S)
    source = "@dataclass(frozen=True)\nclass WithIt(Paper):\n" + textwrap.indent(textwrap.dedent(snippet), "    ")
    namespace = {**vars(model), "dataclass": dataclasses.dataclass}
    exec(source, namespace)
    (name,) = re.findall(r"^\s*(\w+):", snippet, re.M)  # by name: a newcomer following it has declared it in Paper
    (added,) = [f for f in dataclasses.fields(namespace["WithIt"]) if f.name == name]
    (declared,) = added.metadata.values()
    assert isinstance(declared, Declared) and declared.kind is Kind.COUNT and added.default is None


def test_what_adding_a_field_names_exists():
    text = adding_a_field()
    paths = re.findall(r"`((?:generator|themes|docs|tests)/[\w/.-]+)`", text)
    assert len(paths) >= 6 and [p for p in paths if not (ROOT / p).exists()] == []
    # `module.name`: a name in a module of generator/ or generator/scrape/ (not a file name, `hf_api.py`)
    names = [(m, n) for m, n in re.findall(r"`([a-z_]+)\.(\w+)`", text) if n not in ("py", "md", "html")]
    missing = []
    for module, name in names:
        found = [ROOT / "generator" / f"{module}.py", ROOT / "generator" / "scrape" / f"{module}.py"]
        (path,) = [p for p in found if p.is_file()]
        if not re.search(rf"^(?:def |class )?{name}\b", path.read_text(encoding="utf-8"), re.M):
            missing.append(f"{module}.{name}")
    assert len(names) >= 10 and missing == []
    members = re.findall(r"`(?:declare\()?((?:Kind|Owner)\.\w+)", text)
    assert len(members) >= 6
    for kind_or_owner in members:
        cls, member = kind_or_owner.split(".")
        assert member in vars(model)[cls].__members__, kind_or_owner
    for module, name in re.findall(r"`(views|records)\.(\w+)`", text):
        qualified = {"views": "generator.views", "records": "generator.scrape.records"}[module]
        assert hasattr(__import__(qualified, fromlist=[name]), name), (module, name)
