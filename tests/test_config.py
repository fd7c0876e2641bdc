import pytest

from generator.config import BIB_LISTS, ConfigError, Exports, SiteConfig, load_config, url_problem


def test_missing_default_file_gives_defaults(tmp_path):
    config = load_config(root=tmp_path)
    assert config == SiteConfig(root=tmp_path)
    assert config.per_page == 25 and config.feed_size == 50


def test_values_and_base_url_slash(tmp_path):
    (tmp_path / "site.yaml").write_text(
        "title: My Archive\nbase_url: https://u.github.io/repo\ntag_rules:\n  video: [video, clip]\n"
    )
    config = load_config(root=tmp_path)
    assert config.title == "My Archive"
    assert config.base_url == "https://u.github.io/repo/"
    assert config.tag_rules == {"video": ("video", "clip")}


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("video: ['  ']", "tag_rules.video: the phrase '  ' has no letter or digit, so it matches nearly every paper"),
        (
            "video: [clip, '-']",
            "tag_rules.video: the phrase '-' has no letter or digit, so it matches nearly every paper",
        ),
        ("'!!!': [clip]", "tag_rules.!!!: a tag needs a letter or digit"),
        ("C++: [C++]\n  c: [C]", "tag_rules.c: the same tag as 'C++' (both are 'c')"),
    ],
)
def test_a_tag_rule_that_would_tag_every_paper_or_no_tag_is_refused(tmp_path, rules, message):
    """A blank phrase matched every paper, so an import tagged them all; a tag of no slug, or of another's, was
    written as '' or merged with the other (the last one's phrases kept), without a word."""
    (tmp_path / "site.yaml").write_text(f"title: T\ntag_rules:\n  {rules}\n")
    with pytest.raises(ConfigError) as err:
        load_config(root=tmp_path)
    assert [(p.line, p.message) for p in err.value.problems] == [(2, message)]


def test_all_errors_with_lines(tmp_path):
    (tmp_path / "site.yaml").write_text("title: T\nper_page: 0\nfeed_size: lots\ntopic: [x]\n")
    with pytest.raises(ConfigError) as err:
        load_config(root=tmp_path)
    lines = sorted(p.line for p in err.value.problems)
    assert lines == [2, 3, 4]


@pytest.mark.parametrize("key", ["catch_up_days", "refresh_days"])
def test_a_scrape_window_is_at_most_ten_years(tmp_path, key):
    """More days than the calendar can count back from today would fail the scrape with an overflow."""
    (tmp_path / "site.yaml").write_text(f"{key}: 3650\n")
    assert getattr(load_config(root=tmp_path), key) == 3650
    for value in ("3651", "99999999999999", "0"):
        (tmp_path / "site.yaml").write_text(f"title: T\n{key}: {value}\n")
        with pytest.raises(ConfigError) as err:
            load_config(root=tmp_path)
        (problem,) = err.value.problems
        assert (problem.line, problem.message) == (2, f"{key}: expected a whole number from 1 to 3650, got {value}")


def test_an_unknown_key_is_a_warning_that_changes_no_setting(tmp_path):
    (tmp_path / "site.yaml").write_text("title: T\nper_pgae: 10\n")
    config = load_config(root=tmp_path)
    assert [(p.line, p.message, p.is_error) for p in config.warnings] == [(2, "per_pgae: unknown key (ignored)", False)]
    assert config == SiteConfig(title="T", root=tmp_path) and repr(config) == repr(SiteConfig(title="T", root=tmp_path))


def test_broken_yaml_names_the_line(tmp_path):
    (tmp_path / "site.yaml").write_text("title: T\ntag_rules: {a: [b\n")
    with pytest.raises(ConfigError) as err:
        load_config(root=tmp_path)
    assert err.value.problems[0].path.endswith("site.yaml")
    assert err.value.problems[0].line >= 2


@pytest.mark.parametrize(
    "line, message",
    [
        ("per_page: 0", "per_page: expected a whole number of at least 1, got 0"),
        ("feed_size: 2.5", "feed_size: expected a whole number of at least 1, got 2.5"),
        ("title: ''", "title: expected text, not empty, got ''"),
        ("language: [en]", "language: expected text, not empty, got ['en']"),
    ],
)
def test_a_wrong_value_says_what_is_expected_in_words(tmp_path, line, message):
    (tmp_path / "site.yaml").write_text(f"{line}\n")
    with pytest.raises(ConfigError) as err:
        load_config(root=tmp_path)
    assert [p.message for p in err.value.problems] == [message]


def test_a_setting_given_twice_names_its_second_line(tmp_path):
    (tmp_path / "site.yaml").write_text("title: Mine\nper_page: 20\ntitle: Theirs\n")
    with pytest.raises(ConfigError) as err:
        load_config(root=tmp_path)
    [problem] = err.value.problems
    assert (problem.line, problem.message) == (3, "title: given twice (first on line 1); keep one")


@pytest.mark.parametrize("aim", ["nowhere.yaml", "site.yaml"])
def test_a_broken_site_yaml_link_is_an_error_not_the_defaults(tmp_path, aim):
    """A link to nothing, or to itself, was taken for no site.yaml: the site built with the default title and URL."""
    (tmp_path / "site.yaml").symlink_to(aim)
    with pytest.raises(OSError) as err:
        load_config(root=tmp_path)
    assert err.value.filename == str(tmp_path / "site.yaml")


def test_explicit_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError):
        load_config(tmp_path / "other.yaml", root=tmp_path)


def test_repository_site_yaml_is_valid():
    from tests.conftest import REPO

    config = load_config(root=REPO)
    assert len(config.tag_rules) >= 9


@pytest.mark.parametrize("url", ["example.github.io/repo/", "ftp://x/", "https://", "http://h:99999/", "https://a b/"])
def test_a_base_url_must_be_absolute_http_with_a_host(tmp_path, url):
    (tmp_path / "site.yaml").write_text(f"title: T\nbase_url: '{url}'\n")
    with pytest.raises(ConfigError) as err:
        load_config(root=tmp_path)
    (problem,) = err.value.problems
    assert (problem.line, problem.message) == (2, f"base_url: {url_problem(url)}")
    assert "absolute http(s) URL with a host" in problem.message


def test_a_base_url_with_a_query_is_refused_and_service_urls_are_checked_too(tmp_path):
    (tmp_path / "site.yaml").write_text("source_url: https://h.example/?x=1\narxiv_url: export.arxiv.org\n")
    with pytest.raises(ConfigError) as err:
        load_config(root=tmp_path)
    assert [(p.line, p.message.split(":")[0]) for p in err.value.problems] == [(1, "source_url"), (2, "arxiv_url")]
    assert "has a query or fragment" in err.value.problems[0].message


SLASHES = "has '//' in its path"  # '//x//' linked every page to '//x//static/style.css': the host x
SECRET = "holds a user name or password"  # printed on every page, feed and the sitemap


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("https://h.example//REPO/", SLASHES),
        ("https://h.example/REPO//", SLASHES),
        ("https://h.example//", SLASHES),
        ("https://me:secret@h.example/REPO/", SECRET),
        ("https://token@h.example/", SECRET),
        ("https://:pw@h.example/", SECRET),
    ],
)
def test_a_base_url_that_would_break_or_leak_through_every_link_is_refused(tmp_path, url, said):
    (tmp_path / "site.yaml").write_text(f"base_url: '{url}'\n")
    with pytest.raises(ConfigError) as err:
        load_config(root=tmp_path)
    assert [p.message for p in err.value.problems] == [f"base_url: {url_problem(url)}"]
    assert said in err.value.problems[0].message


@pytest.mark.parametrize(
    "url", ["https://h.example/REPO/index.html", "https://h.example/a.HTM", "https://h.example/x.php"]
)
def test_a_base_url_that_names_a_page_is_refused(url):
    """'https://h/REPO/index.html' linked every page to '/REPO/index.html/static/style.css'."""
    assert "names a page; a base URL is the folder the site is in" in (url_problem(url) or "")


@pytest.mark.parametrize("url", ["https://USER.github.io/REPO/", "http://127.0.0.1:8000", "https://h.example"])
def test_good_base_urls_pass(url):
    assert url_problem(url) is None


def test_exports_default_to_everything_and_switch_off_one_by_one(tmp_path):
    assert load_config(root=tmp_path).exports == Exports(True, BIB_LISTS, True, True)
    (tmp_path / "site.yaml").write_text(
        "title: T\nexports:\n  markdown: false\n  bib: [top, day]\n  citation_abstract: false\n"
    )
    exports = load_config(root=tmp_path).exports
    assert exports == Exports(markdown=False, bib=("day", "top"), data_abstracts=True, citation_abstract=False)
    (tmp_path / "site.yaml").write_text("exports:\n  bib: false\n  data_abstracts: false\n")
    assert load_config(root=tmp_path).exports == Exports(bib=(), data_abstracts=False)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[markdown]", "exports: expected a mapping with some of markdown, bib, data_abstracts, citation_abstract"),
        ("{markdown: no-thanks}", "exports.markdown: expected true or false, got 'no-thanks'"),
        ("{bib: [day, years]}", "exports.bib: unknown list 'years' (expected some of day, week, month, year, tag,"),
        ("{bib: day}", "exports.bib: unknown list 'day'"),
        ("{abstracts: false}", "exports: unknown key 'abstracts' (expected some of markdown, bib,"),
    ],
)
def test_a_bad_exports_section_is_an_error_at_its_line(tmp_path, value, message):
    (tmp_path / "site.yaml").write_text(f"title: T\nexports: {value}\n")
    with pytest.raises(ConfigError) as err:
        load_config(root=tmp_path)
    [problem] = err.value.problems
    assert problem.line == 2 and problem.message.startswith(message), problem


def test_a_base_url_is_kept_in_ascii_and_a_host_idna_cannot_write_is_refused(tmp_path):
    (tmp_path / "site.yaml").write_text("base_url: https://bücher.example/bücher\n", encoding="utf-8")
    assert load_config(root=tmp_path).base_url == "https://xn--bcher-kva.example/b%C3%BCcher/"
    (tmp_path / "site.yaml").write_text(f"base_url: https://{'ü' * 70}.example/\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(root=tmp_path)
    assert "cannot be written in ASCII (IDNA)" in err.value.problems[0].message


def test_a_topic_phrase_of_no_letter_or_digit_is_refused(tmp_path):
    """It matched nothing and was dropped without a word, so an include of only such phrases kept everything."""
    (tmp_path / "site.yaml").write_text("topic:\n  include: [diffusion, '++']\n  exclude: ['  ']\n")
    with pytest.raises(ConfigError) as err:
        load_config(root=tmp_path)
    assert [p.message for p in err.value.problems] == [
        "topic.include: '++' has no letter or digit to match",
        "topic.exclude: '  ' has no letter or digit to match",
    ]
