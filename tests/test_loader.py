import datetime as dt
import os
import time

import pytest

from generator.errors import UserError
from generator.loader import RACY_NS, content_files, digests_of, load_content, scan
from generator.model import (
    MAX_ABSTRACT,
    MAX_AUTHORS,
    MAX_COUNT,
    MAX_FILE_BYTES,
    MAX_ID_LENGTH,
    MAX_KEYWORDS,
    MAX_NAME,
    MAX_TAGS,
    MAX_TEXT,
    MAX_TITLE,
    MAX_URL,
)
from tests.conftest import paper_file, write_content


def test_loads_all_fields(content):
    write_content(
        content,
        "2024/2403.01234.md",
        paper_file(
            "2403.01234",
            "Title",
            "authors: [Ann Lee, Bo Chen]\nauthor_count: 2\npublished: 2024-03-10\nlisted: 2024-03-12\n"
            "upvotes: 5\ntags: [Vision-Language, video]\ngithub: https://github.com/a/b\n",
            body="Text *here*.",
        ),
    )
    result = load_content(content)
    assert result.problems == ()
    (paper,) = result.papers
    assert paper.id == "2403.01234" and paper.is_arxiv
    assert paper.authors == ("Ann Lee", "Bo Chen")
    assert paper.archive_date == dt.date(2024, 3, 12)
    assert paper.tags == ("vision-language", "video")
    assert paper.abstract == "Text *here*."


def test_id_defaults_to_the_file_name(content):
    write_content(content, "2024/my-slug.md", "---\ntitle: T\npublished: 2024-01-01\n---\n")
    assert load_content(content).papers[0].id == "my-slug"


def test_every_problem_is_reported_with_its_line(content):
    write_content(
        content,
        "2024/bad.md",
        "---\nid: bad\nupvotes: many\npublished: 2024-13-45\ngithub: javascript:alert(1)\nsurprise: 1\n---\n",
    )
    result = load_content(content)
    messages = [str(p) for p in result.problems]
    path = str(content / "papers/2024/bad.md")
    assert f"{path}:1: title: missing (required)" in messages
    assert any(m.startswith(f"{path}:3: upvotes") for m in messages)
    assert any(m.startswith(f"{path}:4: published") for m in messages)
    assert any(m.startswith(f"{path}:5: github") for m in messages)
    assert f"{path}:6: warning: surprise: unknown key (ignored)" in messages
    assert result.papers == ()


def test_problems_across_files_are_all_listed(content):
    write_content(content, "2024/a.md", "---\ntitle: [unclosed\n---\n")
    write_content(content, "2024/b.md", paper_file("same", "B", "published: 2024-01-01\n"))
    write_content(content, "2025/c.md", paper_file("same", "C", "published: 2025-01-01\n"))
    (content / "papers/2024/latin1.md").write_bytes(b"---\ntitle: caf\xe9\n---\n")
    found = {(p.path.rsplit("/", 1)[-1], p.line, p.message.split(" ")[0]) for p in load_content(content).errors}
    assert ("a.md", 3, "invalid") in found or ("a.md", 2, "invalid") in found
    assert ("c.md", 1, "duplicate") in found
    assert ("latin1.md", 2, "not") in found


def test_undated_paper_loads_with_a_warning(content):
    write_content(content, "undated/x.md", paper_file("x", "X"))
    result = load_content(content)
    assert len(result.papers) == 1
    assert [p.severity for p in result.problems] == ["warning"]
    assert "no 'listed' or 'published' date" in result.problems[0].message


def test_unsafe_id_is_an_error(content):
    write_content(content, "2024/x.md", "---\nid: '../../etc'\ntitle: X\n---\n")
    assert "not a usable id" in load_content(content).errors[0].message


def test_files_with_an_unchanged_stamp_come_from_the_earlier_load(content):
    path = write_content(content, "2024/a.md", paper_file("a", "Old title"))
    old = time.time_ns() - 10 * RACY_NS
    os.utime(path, ns=(old, old))
    first = load_content(content)
    path.write_text(paper_file("a", "A longer new title"), encoding="utf-8")  # a different size
    os.utime(path, ns=(old, old))
    assert load_content(content, first.files).papers[0].title == "A longer new title"
    path.write_text(paper_file("a", "Old title"), encoding="utf-8")
    os.utime(path, ns=(old, old))
    again = load_content(content)
    assert load_content(content, again.files).files[str(path)] is again.files[str(path)]


def test_a_file_with_a_new_time_but_the_same_bytes_is_not_parsed_again(content):
    """As after a checkout, where every file has a new time: only files whose bytes changed are parsed."""
    same = write_content(content, "2024/a.md", paper_file("a", "A", "upvotes: 12\n"))
    revoted = write_content(content, "2024/b.md", paper_file("b", "B", "upvotes: 12\n"))
    first = load_content(content).files
    revoted.write_text(paper_file("b", "B", "upvotes: 13\n"), encoding="utf-8")  # the same size
    checkout = time.time_ns() - 10 * RACY_NS
    for path in (same, revoted):
        os.utime(path, ns=(checkout, checkout))
    again = load_content(content, first).files
    assert again[str(same)].paper is first[str(same)].paper  # taken from the earlier load, not parsed
    assert again[str(same)].mtime_ns == checkout  # with its new stamp, which the next build trusts
    assert again[str(revoted)].paper is not None and again[str(revoted)].paper.upvotes == 13
    assert load_content(content, again).files[str(same)] is again[str(same)]


def test_digests_made_beforehand_decide_as_reading_the_files_would(content):
    """`digests_of` hashes the files with new stamps while the cache is read (`build._hashing`): the load
    trusts a digest it is given, and reads the files it is given none for."""
    same = write_content(content, "2024/a.md", paper_file("a", "A", "upvotes: 12\n"))
    revoted = write_content(content, "2024/b.md", paper_file("b", "B", "upvotes: 12\n"))
    first = load_content(content).files
    revoted.write_text(paper_file("b", "B", "upvotes: 13\n"), encoding="utf-8")
    checkout = time.time_ns() - 10 * RACY_NS
    for path in (same, revoted):
        os.utime(path, ns=(checkout, checkout))
    hashed = digests_of([str(same), str(revoted)])
    assert hashed[str(same)] == first[str(same)].digest and hashed[str(revoted)] != first[str(revoted)].digest
    again = load_content(content, first, digests=hashed).files
    assert again[str(same)].paper is first[str(same)].paper and again[str(revoted)].paper.upvotes == 13
    told_wrong = load_content(content, first, digests={str(same): b"another digest"}).files
    assert told_wrong[str(same)].paper is not first[str(same)].paper  # parsed again: the digest decides
    assert told_wrong[str(revoted)].paper.upvotes == 13  # no digest given: read and hashed here
    assert digests_of([str(content / "missing.md")]) == {str(content / "missing.md"): None}


def test_a_file_edited_within_the_clock_tick_of_its_last_read_is_read_again(content):
    # Same size and, on a coarse file-system clock, the same time: only distrust of fresh stamps catches it.
    path = write_content(content, "2024/a.md", paper_file("a", "Title 1"))
    first = load_content(content)
    stamp = path.stat().st_mtime_ns
    path.write_text(paper_file("a", "Title 2"), encoding="utf-8")
    os.utime(path, ns=(stamp, stamp))
    assert load_content(content, first.files).papers[0].title == "Title 2"


def test_content_files_come_folder_by_folder_in_a_stable_order(content):
    for i, name in enumerate(("2024-x/a.md", "2024/b.md", "2024/a.md", "2024/notes.txt", "a.md")):
        write_content(content, name, paper_file(f"p{i}", "T"))
    papers = content / "papers"
    assert [os.path.relpath(f, papers) for f in content_files(content)] == [
        "2024/a.md",
        "2024/b.md",
        "2024-x/a.md",
        "a.md",
    ]


# -- what would stop a build is found before it starts (issue 10) --------------------------------


def messages_of(content, name):
    """`line: message` of every problem of the file `name`, warnings marked."""
    return [
        f"{p.line}: {'' if p.is_error else 'warning: '}{p.message}"
        for p in load_content(content).problems
        if p.path.endswith(name)
    ]


@pytest.mark.parametrize("make", [lambda tmp: tmp / "missing", lambda tmp: _a_file(tmp / "file")])
def test_a_content_folder_that_is_not_one_is_a_user_error(tmp_path, make):
    folder = make(tmp_path)
    with pytest.raises(UserError) as err:
        load_content(folder)
    assert err.value.what == "content folder not found" and err.value.where == str(folder)
    with pytest.raises(UserError):
        scan(folder)


def _a_file(path):
    path.write_text("not a folder", encoding="utf-8")
    return path


def test_an_id_too_long_for_a_file_name_is_an_error(content):
    write_content(content, "2024/long.md", paper_file("a" * (MAX_ID_LENGTH + 1), "T", "published: 2024-01-01\n"))
    write_content(content, "2024/longest.md", paper_file("b" * MAX_ID_LENGTH, "T", "published: 2024-01-01\n"))
    (problem,) = load_content(content).errors
    assert problem.path.endswith("long.md") and problem.line == 2 and "not a usable id" in problem.message
    assert len(problem.message) < 200  # the id is not printed whole


@pytest.mark.parametrize("raw", ["'a/b'", '"a\\0b"', "'..'", "'a b'", "'é'"])
def test_an_id_that_is_no_file_name_is_an_error(content, raw):
    write_content(content, "2024/x.md", f"---\nid: {raw}\ntitle: T\npublished: 2024-01-01\n---\n")
    assert next(m for m in messages_of(content, "x.md") if "not a usable id" in m).startswith("2: ")


@pytest.mark.parametrize(
    "value, words",
    [
        ("!!float abc", "cannot read this float"),
        ("!!int abc", "cannot read this int"),
        ("!!bool maybe", "cannot read this bool"),
        ("!!timestamp abc", "cannot read this timestamp"),
        ("9" * 5000, "cannot read this int"),
    ],
)
def test_yaml_that_cannot_be_constructed_is_a_problem_and_the_others_are_reported(content, value, words):
    write_content(content, "2024/bad.md", f"---\ntitle: T\npublished: 2024-01-01\nupvotes: {value}\n---\n")
    write_content(content, "2024/other.md", "---\npublished: 2024-01-01\n---\n")
    result = load_content(content)
    assert [(p.path.rsplit("/", 1)[-1], p.line) for p in result.errors] == [("bad.md", 4), ("other.md", 1)]
    assert words in result.errors[0].message and len(result.errors[0].message) < 200


def test_a_number_too_large_to_count_is_shown_short(content):
    write_content(content, "2024/big.md", paper_file("big", "T", f"published: 2024-01-01\nupvotes: {'9' * 4000}\n"))
    (problem,) = load_content(content).errors
    assert problem.line == 5 and problem.message.startswith("upvotes: a number of about 4,00")


ALIAS_BOMB = "".join(
    ["---\ntitle: T\nupvotes:\n  - &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    + [f"  - &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)]
    + ["---\n"]
)


def test_a_yaml_alias_bomb_is_refused_without_being_expanded(content):
    assert len(ALIAS_BOMB) < 700  # a billion values once expanded
    write_content(content, "2024/bomb.md", ALIAS_BOMB)
    assert messages_of(content, "bomb.md") == ["3: YAML aliases expand to more than 20,000 values"]


def test_a_few_yaml_aliases_are_fine(content):
    write_content(content, "2024/a.md", "---\ntitle: T\npublished: &d 2024-01-01\nlisted: *d\n---\n")
    assert load_content(content).papers[0].listed == dt.date(2024, 1, 1)


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda path: path.symlink_to(path.parent / "user@host.1234"), "a symlink to nothing"),
        (lambda path: path.symlink_to(path), "a symlink loop"),
        (lambda path: os.mkfifo(path), "not a regular file"),
        (lambda path: path.symlink_to("/dev/zero"), "not a regular file"),
        (lambda path: path.mkdir(), None),  # a folder named *.md is walked into, not read
    ],
)
def test_special_files_are_skipped_with_a_warning(content, make, reason):
    write_content(content, "2024/good.md", paper_file("good", "Good", "published: 2024-01-01\n"))
    make(content / "papers/2024/.#paper.md")
    result = load_content(content)
    assert [p.id for p in result.papers] == ["good"] and result.errors == []
    expected = [f"1: warning: skipped: {reason}"] if reason else []
    assert [m[: len(e)] for m, e in zip(messages_of(content, ".#paper.md"), expected, strict=False)] == expected
    assert len(messages_of(content, ".#paper.md")) == len(expected)


def test_a_symlink_to_a_paper_is_read(content):
    target = write_content(content, "elsewhere.txt", paper_file("linked", "L", "published: 2024-01-01\n"))
    (content / "papers/linked.md").symlink_to(target)
    assert [p.id for p in load_content(content).papers] == ["linked"]


def test_a_file_over_the_size_limit_is_not_read(content):
    path = write_content(content, "2024/huge.md", paper_file("huge", "H", body="x" * MAX_FILE_BYTES))
    (problem,) = load_content(content).errors
    assert problem.path == str(path) and problem.line == 1 and "the limit is 1,048,576" in problem.message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file_is_an_error(content):
    path = write_content(content, "2024/secret.md", paper_file("secret", "S"))
    path.chmod(0)
    assert messages_of(content, "secret.md") == ["1: cannot be read: Permission denied"]


@pytest.mark.parametrize(
    "key, day, ok",
    [
        ("published", "0001-01-01", False),
        ("listed", "9999-12-31", False),
        ("published", "1990-12-31", False),
        ("published", "1991-01-01", True),
        ("listed", (dt.date.today() + dt.timedelta(days=365)).isoformat(), True),
        ("listed", (dt.date.today() + dt.timedelta(days=366)).isoformat(), False),
    ],
)
def test_dates_run_from_1991_to_a_year_from_today(content, key, day, ok):
    write_content(content, "2024/d.md", f"---\ntitle: T\nupvotes: 1\n{key}: {day}\n---\n")
    errors = [m for m in messages_of(content, "d.md") if "warning" not in m]
    assert errors == ([] if ok else [f"4: {key}: {day} is not between 1991-01-01 and a year from today"])


@pytest.mark.parametrize(
    "extra, words",
    [
        (f"tags: [{', '.join(f't{i}' for i in range(MAX_TAGS + 1))}]\n", "51 items; the limit is 50"),
        (f"authors: [{', '.join(['A'] * (MAX_AUTHORS + 1))}]\n", "5,001 items; the limit is 5,000"),
        (f"authors: [Ann, {'B' * (MAX_NAME + 1)}]\n", "an item of 501 characters; the limit is 500"),
        (f"keywords: [{', '.join(['k'] * (MAX_KEYWORDS + 1))}]\n", "101 items"),
        (f"ai_summary: {'s' * (MAX_TEXT + 1)}\n", "5,001 characters; the limit is 5,000"),
        (f"organization: {'o' * (MAX_NAME + 1)}\n", "501 characters"),
        (f"github: https://github.com/{'g' * MAX_URL}\n", "characters; the limit is 2,000"),
        (f"upvotes: {MAX_COUNT + 1}\n", "1000000001 is over the limit of 1,000,000,000"),
    ],
)
def test_sizes_past_the_limits_are_errors(content, extra, words):
    write_content(content, "2024/big.md", paper_file("big", "T", f"published: 2024-01-01\n{extra}"))
    (problem,) = load_content(content).errors
    assert problem.line == 5 and words in problem.message, problem


def test_a_title_or_abstract_past_the_limit_is_an_error(content):
    write_content(content, "2024/t.md", paper_file("t", "T" * (MAX_TITLE + 1), "published: 2024-01-01\n"))
    write_content(content, "2024/a.md", paper_file("a", "A", "published: 2024-01-01\n", body="x" * (MAX_ABSTRACT + 1)))
    assert messages_of(content, "t.md") == ["3: title: 1,001 characters; the limit is 1,000"]
    assert messages_of(content, "a.md") == ["6: abstract: 20,001 characters; the limit is 20,000"]


def test_characters_no_feed_can_carry_are_removed_with_a_warning(content):
    write_content(
        content,
        "2024/x.md",
        '---\ntitle: T\ufffeitle\nauthors: ["A\\uFFFFnn\\x01"]\npublished: 2024-01-01\n'
        "---\nAb\x00stract\x1b with a\ttab\n",
    )
    result = load_content(content)
    (paper,) = result.papers
    assert (paper.title, paper.authors, paper.abstract) == ("Title", ("Ann",), "Abstract with a\ttab")
    assert messages_of(content, "x.md") == [
        "2: warning: removed 3 character(s) no page or feed can carry (U+0000, U+001B, U+FFFE)"
    ]


def test_deeply_nested_markdown_is_shown_as_plain_text_with_a_warning(content):
    write_content(content, "2024/n.md", paper_file("n", "N", "published: 2024-01-01\n", body="- " * 600 + "x"))
    assert messages_of(content, "n.md") == [
        "6: warning: abstract: shown as plain text, not Markdown: nested more than 16 levels deep"
    ]


@pytest.mark.parametrize(("given", "stray"), [("papers", "2024/a.md"), ("papers/2024", "a.md")])
def test_a_folder_of_papers_given_as_the_content_folder_is_a_user_error(content, given, stray):
    """`--content content/papers` found no papers/ in it, so 'build' made an empty site over the last one."""
    write_content(content, "2024/a.md", paper_file("2401.00001"))
    with pytest.raises(UserError) as err:
        scan(content / given)
    assert err.value.line() == (
        f"no papers/ folder, but {stray}: the content folder is the one that holds papers/ ({content / given})"
    )


def test_a_content_folder_without_papers_or_markdown_is_an_empty_archive(tmp_path, content):
    (tmp_path / "other").mkdir()
    (tmp_path / "other/notes.txt").write_text("not a paper")
    assert scan(tmp_path / "other") == {} and scan(content) == {}


def test_an_importer_may_load_a_content_folder_it_is_about_to_make(tmp_path):
    assert load_content(tmp_path / "new", missing_ok=True).papers == ()
    with pytest.raises(UserError):
        load_content(_a_file(tmp_path / "file"), missing_ok=True)


@pytest.mark.parametrize(
    ("b_id", "b_more"),
    [("paper-x", ""), ("2401.00001", "aliases: [paper-x]\n")],  # an id, or an alias
)
def test_ids_and_aliases_that_differ_only_in_case_are_warned_about(content, b_id, b_more):
    """On macOS and Windows /papers/paper-x/ and /papers/Paper-X/ are one folder: one page replaces the other."""
    write_content(content, "2024/a.md", paper_file("Paper-X", "A", "published: 2024-01-01\n"))
    write_content(content, "2024/b.md", paper_file(b_id, "B", "published: 2024-01-01\n" + b_more))
    result = load_content(content)
    assert len(result.papers) == 2 and result.errors == []
    assert [p.message.split(":")[0] for p in result.problems] == [
        f"id 'paper-x' differs from 'Paper-X' ({content}/papers/2024/a.md) only in case"
    ]


@pytest.mark.parametrize(
    ("a", "b", "said"),
    [
        ("", "aliases: ['2401.00001']\n", "duplicate id '2401.00001': its alias here, the id in {a}"),
        ("aliases: [old]\n", "aliases: [old]\n", "duplicate id 'old': its alias here, the alias in {a}"),
        ("", "aliases: ['2401.00002']\n", "duplicate id '2401.00002': an alias that is the paper's own id"),
        ("", "aliases: [old, old]\n", "duplicate id 'old': an alias that is listed twice"),
    ],
)
def test_an_alias_taken_twice_says_which_is_an_alias(content, a, b, said):
    """It said "duplicate id 'x' (also in a.md)" whether x was an id or an alias, and named its own file for an
    alias equal to the paper's id."""
    first = write_content(content, "2024/a.md", paper_file("2401.00001", "A", "published: 2024-01-01\n" + a))
    write_content(content, "2024/b.md", paper_file("2401.00002", "B", "published: 2024-01-02\n" + b))
    assert [p.message for p in load_content(content).errors] == [said.format(a=first)]
