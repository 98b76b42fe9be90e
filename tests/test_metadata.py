"""Metadata removal from evidence images: GPS and names go, every image byte stays."""

from __future__ import annotations

import contextlib
import struct
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.metadata import UnknownFormat, strip_metadata

GPS = b"GPSLatitude -0.6266 GPSLongitude 100.1194 Siti Rahayu"


def segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def photo_jpeg() -> tuple[bytes, bytes]:
    """A JPEG laid out as a phone writes it; returns (file, its image data from SOS on)."""
    scan = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x12\x34\xff\x00\x56" + b"\xff\xd9"
    head = (
        b"\xff\xd8"
        + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + segment(0xE1, b"Exif\x00\x00MM\x00*" + GPS)
        + segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>" + GPS)
        + segment(0xE2, b"ICC_PROFILE\x00\x01\x01colour")
        + segment(0xED, b"Photoshop 3.0\x00" + GPS)
        + segment(0xFE, b"comment " + GPS)
        + segment(0xDB, b"\x00" + bytes(64))
        + segment(0xC0, b"\x08\x00\x10\x00\x10\x01\x01\x11\x00")
    )
    return head + scan, scan


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def screenshot_png() -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"eXIf", b"MM\x00*" + GPS)
        + chunk(b"tEXt", b"Author\x00" + GPS)
        + chunk(b"iTXt", b"Comment\x00\x00\x00\x00\x00" + GPS)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def test_jpeg_loses_exif_xmp_iptc_and_comments_but_no_image_byte() -> None:
    original, scan = photo_jpeg()
    cleaned = strip_metadata(original)
    assert GPS not in cleaned and b"Exif" not in cleaned and b"xmpmeta" not in cleaned
    assert cleaned.endswith(scan)  # the compressed image itself, byte for byte
    assert b"JFIF" in cleaned and b"ICC_PROFILE" in cleaned  # what decoding needs stays
    assert strip_metadata(cleaned) == cleaned


def test_png_loses_text_and_exif_chunks_but_keeps_the_image() -> None:
    original = screenshot_png()
    cleaned = strip_metadata(original)
    assert GPS not in cleaned
    for kept in (b"IHDR", b"IDAT", b"IEND"):
        assert kept in cleaned
    assert zlib.compress(b"\x00\xff\x00\x00") in cleaned


@given(st.binary(max_size=300))
def test_any_bytes_either_clean_or_unknown_never_a_crash(tail: bytes) -> None:
    for head in (b"\xff\xd8", b"\x89PNG\r\n\x1a\n", b""):
        with contextlib.suppress(UnknownFormat):
            strip_metadata(head + tail)


def test_other_formats_are_reported_unknown() -> None:
    with pytest.raises(UnknownFormat):
        strip_metadata(b"%PDF-1.4 Author (Siti)")
