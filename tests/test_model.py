import pytest

from generator.model import MAX_ID_LENGTH, SAFE_ID, xml_safe


@pytest.mark.parametrize("bad", ["\x00", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\x9f", "\ud800", "\udfff",
                                 "\ufffe", "\uffff"])
def test_xml_safe_removes_what_pages_and_feeds_cannot_carry(bad):
    assert xml_safe(f"a{bad}b{bad}") == "ab"


def test_xml_safe_keeps_everything_else():
    text = "tab\t, newline\n, CR\r, é, μLO, 漢字, \u2028, \ufffd, \U0001f600, <EOS> & $\\alpha$"
    assert xml_safe(text) is text


def test_safe_ids_fit_a_file_name():
    assert SAFE_ID.fullmatch("a" * MAX_ID_LENGTH)
    assert not SAFE_ID.fullmatch("a" * (MAX_ID_LENGTH + 1))
    # papers/<id>/ and <id>.md: one name each, within the 255 bytes of most file systems
    assert len(f"{'a' * MAX_ID_LENGTH}.md".encode()) <= 255
    for bad in ("..", ".hidden", "a/b", "a\x00b", "a b", "é", ""):
        assert not SAFE_ID.fullmatch(bad), bad
