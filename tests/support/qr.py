"""Reading back the QR code of a service item's poster, for the tests: the modules drawn by its
inline SVG (segno's path of horizontal runs), a picture of them, and the text a real decoder
(zxing-cpp, offline) reads from a picture — from those modules or from a PNG Chromium took."""

from __future__ import annotations

import re
import struct
import zlib

import numpy as np
import zxingcpp

Modules = list[list[bool]]


def svg_modules(svg: str) -> Modules:
    """The dark modules of segno's inline SVG, quiet zone included, row by row: its dark path
    is made of moves (M, m) and horizontal runs (h) along each row's middle line."""
    size_found = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    assert size_found, svg[:200]
    width, height = int(size_found.group(1)), int(size_found.group(2))
    dark = re.search(r'<path[^>]*stroke="#000"[^>]*\bd="([^"]+)"|'
                     r'<path[^>]*\bd="([^"]+)"[^>]*stroke="#000"', svg)
    assert dark, svg[:200]
    path = dark.group(1) or dark.group(2)
    grid = [[False] * width for _ in range(height)]
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([^MmHh]*)", path):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            run = numbers[0] if command == "h" else numbers[0] - x
            for i in range(int(run)):
                grid[int(y)][int(x) + i] = True
            x += run
    return grid


def picture(modules: Modules, scale: int = 8) -> np.ndarray:
    """A grayscale image of the modules (dark 0, light 255), `scale` pixels a module."""
    cells = np.array([[0 if dark else 255 for dark in row] for row in modules], dtype=np.uint8)
    return np.kron(cells, np.ones((scale, scale), dtype=np.uint8))


def decode(image: np.ndarray) -> list[str]:
    """The texts of the QR codes zxing-cpp finds in a grayscale image."""
    return [found.text for found in zxingcpp.read_barcodes(
        np.ascontiguousarray(image), formats=zxingcpp.BarcodeFormat.QRCode)]


def png_gray(data: bytes) -> np.ndarray:
    """A grayscale image of an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium's
    screenshots are), read with the standard library."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows = np.zeros((height, stride), dtype=np.int32)
    previous = np.zeros(stride, dtype=np.int32)
    for r in range(height):
        start = r * (stride + 1)
        kind, line = raw[start], np.frombuffer(raw[start + 1:start + 1 + stride],
                                               dtype=np.uint8).astype(np.int32)
        out = np.zeros(stride, dtype=np.int32)
        for i in range(stride):
            left = out[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 0:
                guess = 0
            elif kind == 1:
                guess = left
            elif kind == 2:
                guess = up
            elif kind == 3:
                guess = (left + up) // 2
            else:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                guess = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
            out[i] = (line[i] + guess) & 0xFF
        rows[r], previous = out, out
    pixels = rows.reshape(height, width, channels)[:, :, :3]
    return pixels.mean(axis=2).astype(np.uint8)
