"""The favicon: an ICO holding a 32x32 PNG, at the site's root, and the SVG the pages link."""

from __future__ import annotations

import struct
import zlib

from bs4 import BeautifulSoup

from generator.favicon import SIZE, favicon_ico
from tests.recorded import recorded_site


def png_pixels(png: bytes) -> list[bytes]:
    """The rows of an 8-bit RGBA PNG with filter 0 (what favicon.py writes), parsed chunk by chunk."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    at, data, header = 8, b"", b""
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        assert struct.unpack(">I", png[at + 8 + length : at + 12 + length])[0] == zlib.crc32(kind + body)
        if kind == b"IHDR":
            header = body
        if kind == b"IDAT":
            data += body
        at += 12 + length
    width, height = struct.unpack(">II", header[:8])
    raw = zlib.decompress(data)
    stride = 1 + 4 * width
    return [raw[y * stride + 1 : (y + 1) * stride] for y in range(height)]


def test_the_icon_is_an_ico_with_a_32_pixel_png():
    data = favicon_ico()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind, count) == (0, 1, 1)
    width, height, _, _, planes, bits, size, offset = struct.unpack("<BBBBHHII", data[6:22])
    assert (width, height, planes, bits) == (SIZE, SIZE, 1, 32) and offset + size == len(data)
    rows = png_pixels(data[offset:])
    assert len(rows) == SIZE and all(len(r) == 4 * SIZE for r in rows)
    assert rows[0][3] == 0 and rows[16][16 * 4 : 16 * 4 + 4] == b"\xff\xff\xff\xff"  # a clear corner, a white line
    assert rows[13][4 * 4 : 4 * 4 + 4] == b"\x0b\x57\xa4\xff"  # and the blue square
    assert favicon_ico() == data


def test_the_site_has_favicon_ico_and_pages_link_the_svg():
    site = recorded_site()
    assert (site / "favicon.ico").read_bytes() == favicon_ico()
    assert (site / "static/favicon.svg").read_text(encoding="utf-8").startswith("<svg")
    home = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    icons = {link["href"]: link.get("type") for link in home.find_all("link", rel="icon")}
    assert icons == {"/sub/static/favicon.svg": "image/svg+xml", "/sub/favicon.ico": None}
