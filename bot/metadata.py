"""Removing hidden metadata (EXIF with GPS position, camera serials, comments, names) from
image files before the bot passes them on, without touching a single pixel.

Lossless on purpose: evidence must stay as the reporter took it, so the image data is
copied byte for byte and only metadata blocks are dropped (no re-encoding as with Pillow).
JPEG and PNG, the formats phones and screenshots produce as files; anything else is
reported as unknown and left to the caller.
"""

from __future__ import annotations

import struct

JPEG_START = b"\xff\xd8"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG markers kept: APP0 (JFIF), APP2 (ICC colour profile), APP14 (Adobe colour transform).
# Dropped: APP1 (EXIF, XMP), APP3-APP13 and APP15 (vendor, IPTC/Photoshop), COM (comments).
_JPEG_KEEP_APP = {0xE0, 0xE2, 0xEE}
_JPEG_COMMENT = 0xFE
_JPEG_START_OF_SCAN = 0xDA
_JPEG_NO_LENGTH = {0x01, *range(0xD0, 0xD8)}
# PNG chunks dropped: text (may hold names, places, software), EXIF, modification time.
_PNG_DROP = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


class UnknownFormat(ValueError):
    """Not a JPEG or PNG this module can read: nothing was removed."""


def image_extension(data: bytes) -> str | None:
    if data.startswith(JPEG_START):
        return ".jpg"
    if data.startswith(PNG_SIGNATURE):
        return ".png"
    return None


def strip_metadata(data: bytes) -> bytes:
    """The same image without its metadata blocks; UnknownFormat if it cannot be read."""
    if data.startswith(JPEG_START):
        return _strip_jpeg(data)
    if data.startswith(PNG_SIGNATURE):
        return _strip_png(data)
    raise UnknownFormat("not a JPEG or PNG file")


def _strip_jpeg(data: bytes) -> bytes:
    kept = [JPEG_START]
    position = 2
    while position < len(data):
        if data[position] != 0xFF:
            raise UnknownFormat("JPEG marker expected")
        marker = data[position + 1] if position + 1 < len(data) else -1
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in _JPEG_NO_LENGTH:
            kept.append(data[position : position + 2])
            position += 2
            continue
        if marker == _JPEG_START_OF_SCAN or marker == 0xD9:
            kept.append(data[position:])  # image data and everything after it, untouched
            return b"".join(kept)
        if position + 4 > len(data):
            raise UnknownFormat("JPEG segment cut short")
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if length < 2 or end > len(data):
            raise UnknownFormat("JPEG segment length out of range")
        is_app = 0xE0 <= marker <= 0xEF
        if not ((is_app and marker not in _JPEG_KEEP_APP) or marker == _JPEG_COMMENT):
            kept.append(data[position:end])
        position = end
    raise UnknownFormat("JPEG without image data")


def _strip_png(data: bytes) -> bytes:
    kept = [PNG_SIGNATURE]
    position = len(PNG_SIGNATURE)
    while position < len(data):
        if position + 8 > len(data):
            raise UnknownFormat("PNG chunk cut short")
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 12 + length  # length, type, data, CRC
        if end > len(data):
            raise UnknownFormat("PNG chunk length out of range")
        if kind not in _PNG_DROP:
            kept.append(data[position:end])
        position = end
        if kind == b"IEND":
            return b"".join(kept)
    raise UnknownFormat("PNG without an end chunk")


def without_metadata(data: bytes) -> bytes:
    """`strip_metadata` where it applies; any other file (PDF, voice note, a damaged image)
    as it is, since evidence is never dropped for want of cleaning."""
    if image_extension(data) is None:
        return data
    try:
        return strip_metadata(data)
    except UnknownFormat:
        return data
