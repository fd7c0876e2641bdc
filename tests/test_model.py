import pytest

from generator.model import MAX_ID_LENGTH, NOT_XML, SAFE_ID, may_hold_not_xml, xml_safe


@pytest.mark.parametrize("code", [0x0, 0x8, 0xB, 0xC, 0x1F, 0x7F, 0x85, 0x9F, 0xD800, 0xDFFF, 0xFFFE, 0xFFFF])
def test_xml_safe_removes_what_pages_and_feeds_cannot_carry(code):
    assert xml_safe(f"a{chr(code)}b{chr(code)}") == "ab"
    long = "x" * 100  # past the length where the byte check comes first
    assert xml_safe(f"{long}{chr(code)}é") == f"{long}é"


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


def test_the_byte_check_misses_no_character_xml_cannot_carry():
    for code in range(0x110000):
        if NOT_XML.match(chr(code)) and not 0xD800 <= code <= 0xDFFF:  # surrogates are not UTF-8
            assert may_hold_not_xml(f"ok {chr(code)} ok".encode()), hex(code)
    assert not may_hold_not_xml(("plain text, é, μLO, 漢字, \t\n\r" * 10).encode())
