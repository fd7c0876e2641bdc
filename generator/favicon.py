"""/favicon.ico: browsers and feed readers ask for it whatever the page links, so the site has one.

The same picture as the theme's static/favicon.svg (a blue square with three lines of type), drawn
here as a 32x32 PNG inside an ICO container, so the build needs no image library and gives the same
bytes every time.
"""

from __future__ import annotations

import struct
import zlib

SIZE = 32
BLUE, WHITE = (0x0B, 0x57, 0xA4, 0xFF), (0xFF, 0xFF, 0xFF, 0xFF)
LINES = ((10, 8, 24), (16, 8, 24), (22, 8, 18))  # (row centre, first column, last column)
CORNER = 6  # radius of the rounded corners


def favicon_ico() -> bytes:
    png = _png([[_pixel(x, y) for x in range(SIZE)] for y in range(SIZE)])
    header = struct.pack("<HHH", 0, 1, 1)  # reserved, type 1 (icon), one image
    entry = struct.pack("<BBBBHHII", SIZE, SIZE, 0, 0, 1, 32, len(png), 6 + 16)
    return header + entry + png


def _pixel(x: int, y: int) -> tuple[int, int, int, int]:
    if not _inside(x, y):
        return (0, 0, 0, 0)
    for row, first, last in LINES:
        if abs(y + 0.5 - row) <= 1.5 and first <= x < last:
            return WHITE
    return BLUE


def _inside(x: int, y: int) -> bool:
    """Within the square with rounded corners."""
    cx = min(max(x + 0.5, CORNER), SIZE - CORNER)
    cy = min(max(y + 0.5, CORNER), SIZE - CORNER)
    return (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= CORNER**2


def _png(rows: list[list[tuple[int, int, int, int]]]) -> bytes:
    raw = b"".join(b"\x00" + b"".join(bytes(p) for p in row) for row in rows)  # filter 0 on every row
    header = struct.pack(">IIBBBBB", len(rows[0]), len(rows), 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
