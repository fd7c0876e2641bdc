"""fastyaml answers as PyYAML does, or not at all: on what dump writes, on mutations of it, on content/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator import fastyaml, frontmatter

REPO = Path(__file__).resolve().parent.parent


def by_pyyaml(yaml_text: str, first_line: int = 2) -> str:
    """read_mapping's answer without the fast path, as a repr (True and 1 compare equal; reprs do not)."""
    saved = fastyaml.read
    fastyaml.read = lambda text, line: None  # type: ignore[assignment]
    try:
        return repr(frontmatter.read_mapping(yaml_text, first_line))
    except frontmatter.FrontMatterError as exc:
        return f"error at {exc.line}: {exc.message}"
    finally:
        fastyaml.read = saved  # type: ignore[assignment]


def assert_same_or_none(yaml_text: str) -> bool:
    fast = fastyaml.read(yaml_text, 2)
    if fast is not None:
        assert repr(fast) == by_pyyaml(yaml_text)
    return fast is not None


KEY_NAMES = ["id", "title", "authors", "tags", "yes", "null", "On", "x_1", "<<", "a" * 70, "k" * 1100]
KEYS = st.sampled_from(KEY_NAMES)
TRICKY_VALUES = (
    ["yes", "No", "null", "Null", "NULL", "~", "012", "0x1f", "1_000", "1:30", "2024-13-45", "2024-1-5", "2024-02-29", ".inf", "-1",
     "1.5", "2310.10000", "a: b", "a #b", "a:", "- a", "'", "''", "#x", "&a", "*a", "!t", "%d", "@x", "`x", "x ", "'a'b'", "'it''s'",
     " x", "C#", "a:b", "=", "<<", "é", "\xa0", "\u2028", "\t", "\r", "\ufeff", "\x85", "\x7f", "0", "99"]
)  # fmt: skip
TRICKY = st.sampled_from(TRICKY_VALUES)
TEXT = st.one_of(TRICKY, st.text(max_size=20), st.text(alphabet="abc '\":#-\n\t", max_size=8))
VALUES = st.one_of(
    TEXT,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.dates(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.lists(TEXT, max_size=4),
    st.dictionaries(KEYS, TEXT, max_size=2),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(KEYS, VALUES, min_size=1, max_size=6))
def test_what_dump_writes_reads_as_pyyaml_reads_it(meta):
    assert_same_or_none(frontmatter.split(frontmatter.dump(meta, ""))[0])


WORDS = st.one_of(TRICKY, st.sampled_from(["T", "Ann Lee", "ok", "7", "2024-02-29", "'q'", "[]", "{}", ""]))


@st.composite
def documents(draw) -> str:
    """Mostly lines in the subset, with unique keys, and now and then anything at all."""
    lines = []
    for index, (shape, value) in enumerate(draw(st.lists(st.tuples(st.integers(0, 5), WORDS), min_size=1, max_size=8))):
        key = draw(KEYS) if shape == 5 else f"k{index}"
        lines.append([f"{key}: {value}", f"{key}:", f"- {value}", f"- {value}", value, f"{key}: {value}"][shape])
    return "".join(f"{line}\n" for line in lines)


@settings(max_examples=1000, deadline=None)
@given(documents())
@example("title: T\ntags:\n- a\n- 'b''c'\npublished: 2024-02-29\nupvotes: 7\n")
@example("tags:\ntitle: T\n")
@example("title: 'it''s'\n")
def test_any_lines_read_as_pyyaml_reads_them_or_not_at_all(text):
    assert_same_or_none(text)


@pytest.mark.parametrize("value", TRICKY_VALUES + KEY_NAMES)
@pytest.mark.parametrize("shape", ["k: {}\n", "k:\n- {}\n", "{}: v\n", "k:\n- a\n- {}\n"])
def test_each_tricky_value_reads_as_pyyaml_reads_it_or_not_at_all(shape, value):
    assert_same_or_none(shape.format(value))


def test_it_reads_the_usual_paper_and_declines_the_rest():
    text = (
        "id: '2310.00653'\ntitle: 'Q: A'\nauthors:\n- Ann\n- 'Bo'' Li'\npublished: 2023-10-01\nupvotes: 12\ntags: []\n"
    )
    meta, lines, scalars = fastyaml.read(text, 2) or ({}, {}, {})
    assert meta == {"id": "2310.00653", "title": "Q: A", "authors": ["Ann", "Bo' Li"], "upvotes": 12, "tags": [],
                    "published": dt.date(2023, 10, 1)}  # fmt: skip
    assert lines == {"id": 2, "title": 3, "authors": 4, "published": 7, "upvotes": 8, "tags": 9}
    assert scalars == {"id": "2310.00653", "title": "Q: A", "published": "2023-10-01", "upvotes": "12"}
    for other in [
        "id: 2310.10000\n",
        "# c\nid: x\n",
        "id: x\n\ntitle: y\n",
        'id: "x"\n',
        "id: yes\n",
        "id: x\nid: y\n",
    ]:
        assert fastyaml.read(other, 2) is None, other


@pytest.mark.parametrize("written", ["null", "Null", "NULL", "~", "", "'null'", '"null"'])
def test_a_null_id_reads_alike_either_way(written):
    """fields.identifier tells YAML's null (an error) from the text null (an id) by the value read: both
    ways of reading must give None for the one and "null" for the other."""
    text = f"id: {written}\ntitle: T\n"
    assert_same_or_none(text)
    quoted = written.startswith(("'", '"'))
    assert frontmatter.read_mapping(text, 2)[0]["id"] == ("null" if quoted else None)


@pytest.mark.parametrize("path", sorted((REPO / "content").rglob("*.md")), ids=lambda p: p.name)
def test_every_file_of_content_is_read_fast_and_alike(path):
    assert assert_same_or_none(frontmatter.split(path.read_text(encoding="utf-8"))[0])
