import datetime as dt
import os
import time

from generator.loader import RACY_NS, content_files, load_content
from tests.conftest import paper_file, write_content


def test_loads_all_fields(content):
    write_content(content, "2024/2403.01234.md", paper_file(
        "2403.01234", "Title",
        "authors: [Ann Lee, Bo Chen]\nauthor_count: 2\npublished: 2024-03-10\nlisted: 2024-03-12\n"
        "upvotes: 5\ntags: [Vision-Language, video]\ngithub: https://github.com/a/b\n", body="Text *here*."))
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
    write_content(content, "2024/bad.md", "---\nid: bad\nupvotes: many\npublished: 2024-13-45\ngithub: javascript:alert(1)\nsurprise: 1\n---\n")
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
    assert [os.path.relpath(f, papers) for f in content_files(content)] == ["2024/a.md", "2024/b.md", "2024-x/a.md", "a.md"]
