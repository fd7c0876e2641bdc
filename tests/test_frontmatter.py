import datetime as dt

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator import frontmatter


def test_parse_reads_meta_lines_and_body():
    doc = frontmatter.parse("---\nid: '2310.00653'\ntitle: T\npublished: 2023-10-01\n---\nBody text.\n")
    assert doc.meta == {"id": "2310.00653", "title": "T", "published": dt.date(2023, 10, 1)}
    assert doc.key_lines == {"id": 2, "title": 3, "published": 4}
    assert doc.body == "Body text."


def test_unquoted_arxiv_id_keeps_its_written_digits():
    doc = frontmatter.parse("---\nid: 2310.10000\n---\n")
    assert doc.meta["id"] == 2310.1  # what YAML makes of it ...
    assert doc.scalars["id"] == "2310.10000"  # ... and what the loader uses


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("title: x\n---\n", 1, "must start"),
        ("---\ntitle: x\n", 2, "not closed"),
        ("---\ntitle: x\nauthors: [a, b\nupvotes: 3\n---\n", 4, "invalid YAML"),
        ("---\n- a\n- b\n---\n", 2, "mapping"),
    ],
)
def test_errors_carry_the_file_line(text, line, words):
    with pytest.raises(frontmatter.FrontMatterError) as err:
        frontmatter.parse(text)
    assert err.value.line == line
    assert words in err.value.message


def test_dump_round_trips_and_quotes_ids():
    meta = {
        "id": "2310.10000",
        "title": "Q&A: <EOS> — μLO",
        "authors": ["Hè", "Aurélie"],
        "published": dt.date(2024, 1, 2),
    }
    text = frontmatter.dump(meta, "Abstract with $\\alpha$.\n\nSecond paragraph.")
    assert "id: '2310.10000'" in text
    again = frontmatter.parse(text)
    assert again.meta == meta
    assert again.body == "Abstract with $\\alpha$.\n\nSecond paragraph."


def test_byte_order_mark_is_ignored():
    assert frontmatter.parse("\ufeff---\ntitle: T\n---\n").meta == {"title": "T"}


@pytest.mark.parametrize(
    "value, words",
    [
        ("!!float abc", "cannot read this float"),
        ("!!bool maybe", "cannot read this bool"),
        ("!!timestamp 2024-99", "cannot read this timestamp"),
        ("1" * 5000, "cannot read this int"),
        ("!!binary abc", "binary data (!!binary) is not text"),
        ("!!binary aGVsbG8=", "binary data (!!binary) is not text"),
    ],
)
def test_values_yaml_cannot_construct_are_errors_at_their_line(value, words):
    with pytest.raises(frontmatter.FrontMatterError) as err:
        frontmatter.parse(f"---\ntitle: T\n\nupvotes: {value}\n---\n")
    assert err.value.line == 4 and words in err.value.message and len(err.value.message) < 200


def test_a_key_given_twice_is_an_error_at_its_second_line():
    with pytest.raises(frontmatter.FrontMatterError) as err:
        frontmatter.parse("---\nid: '2403.00001'\ntitle: Mine\nupvotes: 3\ntitle: Theirs\n---\n")
    assert (err.value.line, err.value.message) == (5, "title: given twice (first on line 3); keep one")
    assert frontmatter.parse("---\na: &m {x: 1}\n<<: *m\nb: 2\n---\n").meta == {"a": {"x": 1}, "x": 1, "b": 2}


def test_aliases_expand_within_a_budget():
    doc = frontmatter.parse("---\na: &x [1, 2]\nb: *x\n---\n")
    assert doc.meta == {"a": [1, 2], "b": [1, 2]}
    levels = "".join(f"l{i + 1}: &l{i + 1} [{', '.join([f'*l{i}'] * 10)}]\n" for i in range(4))
    with pytest.raises(frontmatter.FrontMatterError) as err:  # 10^5 values: over the budget
        frontmatter.parse(f"---\nl0: &l0 [x]\n{levels}---\n")
    assert err.value.line == 6 and "expand to more than 20,000 values" in err.value.message


def test_an_alias_inside_itself_is_refused():
    with pytest.raises(frontmatter.FrontMatterError) as err:
        frontmatter.parse("---\ntitle: T\ntags: &t [a, *t]\n---\n")
    assert err.value.line == 3


def test_escapes_cannot_write_what_xml_cannot_carry():
    doc = frontmatter.parse('---\ntitle: "a\\x00b\\uFFFEc\\x1bd\\te"\n---\n')
    assert doc.meta["title"] == "abcd\te"


def test_the_body_line_is_known():
    assert frontmatter.parse("---\nid: x\ntitle: T\n---\nBody").body_line == 5


def test_a_character_yaml_refuses_is_an_error_at_its_line():
    # The loader removes such characters first; frontmatter.parse alone still reports, not raises.
    with pytest.raises(frontmatter.FrontMatterError) as err:
        frontmatter.parse("---\ntitle: T\nauthors: [A\x00]\n---\n")
    assert err.value.line == 3 and "U+0000" in err.value.message


def split_or_error(split, text: str) -> object:
    try:
        return split(text)
    except frontmatter.FrontMatterError as exc:
        return exc.line, exc.message


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(["---", "\n", "---\n", "\r\n", " ", "a: b", "\x85", "\u2028", "-", "\ufeff", "\t"])))
@example(["---\n", "a: b", "\n", "---\n", "body"])
@example(["---\n", "--- ", "\n", "---\n"])
def test_the_quick_split_splits_as_the_line_by_line_one(parts):
    text = "".join(parts)
    expected = split_or_error(frontmatter._split_lines, text.removeprefix("\ufeff"))
    assert split_or_error(frontmatter.split, text) == expected
