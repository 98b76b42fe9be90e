"""Removing hidden metadata (EXIF with GPS position, camera serials, comments, names, XMP)
from evidence files before the bot passes them on to the officials.

Lossless where the format allows, since evidence must stay as the reporter took it:

- JPEG: the first image's metadata segments are dropped and everything after its end is
  cut, so a second image appended to it (multi-picture "MPF" files, a camera's trailer,
  a motion photo's video), with its own EXIF and GPS position, never goes along.
- PNG: text, EXIF and time chunks dropped, and anything after the end chunk.
- WebP: EXIF and XMP chunks dropped (and their flags cleared).
- HEIC / HEIF / AVIF: the EXIF and XMP items' bytes overwritten with zeros in place, the
  picture untouched (its structure and offsets stay valid).
- TIFF: re-encoded with Pillow, pixels and pages kept, no tag but the image's own.
- PDF: rewritten with pypdf without the document information (author, creator...), the XMP
  streams and old revisions, and with the EXIF of every JPEG inside removed as above.

Anything else (video, voice notes, an encrypted or damaged file) is reported as not
cleaned, so that the officials are told (bot.delivery) rather than the file dropped.
"""

from __future__ import annotations

import io
import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image

log = logging.getLogger(__name__)

JPEG_START = b"\xff\xd8"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}
)
# JPEG markers kept: APP0 (JFIF), APP2 only for its ICC colour profile (the same marker
# carries the multi-picture index, "MPF"), APP14 (Adobe colour transform). Dropped: APP1
# (EXIF, XMP), APP3-APP13 and APP15 (vendor, IPTC/Photoshop), COM (comments).
_JPEG_KEEP_APP = {0xE0, 0xE2, 0xEE}
_ICC = b"ICC_PROFILE\0"
_JPEG_COMMENT = 0xFE
_JPEG_START_OF_SCAN = 0xDA
_JPEG_END = 0xD9
_JPEG_NO_LENGTH = {0x01, *range(0xD0, 0xD8)}
# PNG chunks dropped: text (may hold names, places, software), EXIF, modification time.
_PNG_DROP = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}
_WEBP_DROP = {b"EXIF", b"XMP "}
_WEBP_FLAGS_EXIF_XMP = 0x08 | 0x04
MAX_PIXELS = 50_000_000  # all pages of a TIFF re-encoded together
MAX_PAGES = 100


class UnknownFormat(ValueError):
    """Not a file this module can clean: nothing was removed."""


@dataclass(frozen=True)
class Cleaned:
    data: bytes  # the file without its metadata, or as it came when not `cleaned`
    extension: str  # ".jpg", ".png", ".webp", ".heic", ".tif", ".pdf"; "" when unknown
    cleaned: bool
    kind: str  # what the file is, in the officials' words ("video", "berkas tak dikenal")


def uncleaned_note(kind: str, number: int | None = None) -> str:
    """What officials read beside a file whose metadata could not be removed."""
    which = f"Berkas {number}" if number is not None else "Berkas ini"
    return (
        f"⚠️ {which} ({kind}) tidak bisa dibersihkan dari metadata: mungkin masih memuat "
        "lokasi (GPS), waktu, nama perangkat atau nama pelapor. Jangan teruskan berkas "
        "aslinya ke luar Gugus Tugas."
    )


def image_extension(data: bytes) -> str | None:
    """The extension of a picture format that `strip_metadata` cleans losslessly."""
    if data.startswith(JPEG_START):
        return ".jpg"
    if data.startswith(PNG_SIGNATURE):
        return ".png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return ".avif" if data[8:12] in (b"avif", b"avis") else ".heic"
    return None


def strip_metadata(data: bytes) -> bytes:
    """The same picture without its metadata, lossless; UnknownFormat if it cannot be read."""
    strip = _STRIPPERS.get(image_extension(data) or "")
    if strip is None:
        raise UnknownFormat("not a JPEG, PNG, WebP or HEIF picture")
    try:
        return strip(data)
    except (IndexError, struct.error) as error:  # a structure cut short
        raise UnknownFormat(f"damaged picture: {type(error).__name__}") from None


def clean(data: bytes) -> Cleaned:
    """Blocking (a PDF or TIFF is rewritten): the file as the officials may get it."""
    try:
        extension = image_extension(data)
        if extension is not None:
            return Cleaned(strip_metadata(data), extension, True, extension[1:].upper())
        if data[:4] in (b"II*\0", b"MM\0*"):
            return Cleaned(_reencode_tiff(data), ".tif", True, "TIFF")
        if data[:1024].find(b"%PDF-") >= 0:
            return Cleaned(_clean_pdf(data), ".pdf", True, "PDF")
    except UnknownFormat as error:
        log.warning("evidence file sent uncleaned: %s", error)
        return Cleaned(data, "", False, _kind_of(data))
    except Exception as error:  # a damaged or hostile file must not stop its delivery
        log.warning("evidence file sent uncleaned: %s", type(error).__name__)
        return Cleaned(data, "", False, _kind_of(data))
    return Cleaned(data, "", False, _kind_of(data))


def _kind_of(data: bytes) -> str:
    if data[4:8] == b"ftyp":
        return "video"
    if data.startswith(b"OggS") or data.startswith(b"ID3") or data[4:8] == b"M4A ":
        return "audio"
    if data.startswith((JPEG_START, PNG_SIGNATURE, b"RIFF", b"II*\0", b"MM\0*")):
        return "gambar rusak atau tak biasa"
    if data[:1024].find(b"%PDF-") >= 0:
        return "PDF terkunci atau rusak"
    return "berkas tak dikenal"


# --- JPEG ------------------------------------------------------------------------------


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
        if marker == _JPEG_END:  # the first image ends: whatever follows is not kept
            kept.append(data[position : position + 2])
            return b"".join(kept)
        if marker in _JPEG_NO_LENGTH:
            kept.append(data[position : position + 2])
            position += 2
            continue
        if position + 4 > len(data):
            raise UnknownFormat("JPEG segment cut short")
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if length < 2 or end > len(data):
            raise UnknownFormat("JPEG segment length out of range")
        if _keep_jpeg_segment(marker, data[position + 4 : end]):
            kept.append(data[position:end])
        position = end
        if marker == _JPEG_START_OF_SCAN:  # entropy-coded data, up to the next marker
            scan_end = _scan_end(data, position)
            kept.append(data[position:scan_end])
            position = scan_end
    raise UnknownFormat("JPEG without its end marker")


def _keep_jpeg_segment(marker: int, body: bytes) -> bool:
    if marker == _JPEG_COMMENT:
        return False
    if not 0xE0 <= marker <= 0xEF:
        return True  # image data: tables, frame, scan headers
    if marker == 0xE2:
        return body.startswith(_ICC)  # not "MPF\0", the index of appended images
    return marker in _JPEG_KEEP_APP


def _scan_end(data: bytes, position: int) -> int:
    """Where a scan's entropy-coded data ends: at the first 0xFF that starts a marker
    (0xFF00 is an escaped byte, 0xFFD0-D7 a restart inside the scan)."""
    while True:
        found = data.find(b"\xff", position)
        if found < 0 or found + 1 >= len(data):
            raise UnknownFormat("JPEG scan cut short")
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            position = found + 2
        elif following == 0xFF:
            position = found + 1
        else:
            return found


# --- PNG and WebP ----------------------------------------------------------------------


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


def _strip_webp(data: bytes) -> bytes:
    (size,) = struct.unpack("<I", data[4:8])
    end = min(len(data), 8 + size)
    chunks = []
    position = 12
    while position + 8 <= end:
        kind = data[position : position + 4]
        (length,) = struct.unpack("<I", data[position + 4 : position + 8])
        stop = position + 8 + length + (length & 1)  # chunks are padded to an even size
        if position + 8 + length > end:
            raise UnknownFormat("WebP chunk length out of range")
        chunk = data[position:stop]
        if kind == b"VP8X" and length >= 1:
            flags = chunk[8] & ~_WEBP_FLAGS_EXIF_XMP
            chunk = chunk[:8] + bytes([flags]) + chunk[9:]
        if kind not in _WEBP_DROP:
            chunks.append(chunk)
        position = stop
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


# --- HEIF (HEIC, AVIF) -------------------------------------------------------------------


def _strip_heif(data: bytes) -> bytes:
    """The EXIF and XMP items zeroed where they lie: nothing moves, so every offset in the
    file stays right and the picture decodes as before."""
    meta = _box(data, 0, len(data), b"meta")
    if meta is None:
        raise UnknownFormat("HEIF without a meta box")
    start, end = meta[0] + 4, meta[1]  # a full box: version and flags first
    info = _box(data, start, end, b"iinf")
    locations = _box(data, start, end, b"iloc")
    if info is None or locations is None:
        raise UnknownFormat("HEIF without item information")
    hidden = _metadata_items(data, *info)
    idat = _box(data, start, end, b"idat")
    cleaned = bytearray(data)
    for item, extents in _item_extents(data, *locations, idat).items():
        if item in hidden:
            for offset, length in extents:
                if offset + length > len(data):
                    raise UnknownFormat("HEIF item outside the file")
                cleaned[offset : offset + length] = bytes(length)
    return bytes(cleaned)


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, content start, box end) of the boxes between start and end."""
    found = []
    position = start
    while position + 8 <= end:
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", data[position + 8 : position + 16])
            header = 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            raise UnknownFormat("HEIF box size out of range")
        found.append((kind, position + header, position + size))
        position += size
    return found


def _box(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    return next(((s, e) for k, s, e in _boxes(data, start, end) if k == kind), None)


def _metadata_items(data: bytes, start: int, end: int) -> set[int]:
    """Ids of the items that hold EXIF or XMP (an "Exif" item, or a "mime" item of XML)."""
    version = data[start]
    count_size = 2 if version == 0 else 4
    position = start + 4 + count_size
    hidden = set()
    for kind, content, stop in _boxes(data, position, end):
        if kind != b"infe" or data[content] < 2:
            continue
        id_size = 2 if data[content] == 2 else 4
        item = int.from_bytes(data[content + 4 : content + 4 + id_size], "big")
        type_at = content + 4 + id_size + 2
        item_type = data[type_at : type_at + 4]
        rest = data[type_at + 4 : stop]
        if item_type == b"Exif" or (item_type == b"mime" and b"xml" in rest.lower()):
            hidden.add(item)
    return hidden


def _item_extents(
    data: bytes, start: int, end: int, idat: tuple[int, int] | None
) -> dict[int, list[tuple[int, int]]]:
    """Item id -> (file offset, length) of each of its extents, from the iloc box."""
    version = data[start]
    position = start + 4
    sizes = data[position], data[position + 1]
    offset_size, length_size = sizes[0] >> 4, sizes[0] & 15
    base_size, index_size = sizes[1] >> 4, (sizes[1] & 15) if version in (1, 2) else 0
    position += 2

    def number(size: int) -> int:
        nonlocal position
        value = int.from_bytes(data[position : position + size], "big")
        position += size
        return value

    count = number(2 if version < 2 else 4)
    extents: dict[int, list[tuple[int, int]]] = {}
    for _ in range(count):
        item = number(2 if version < 2 else 4)
        method = number(2) & 15 if version in (1, 2) else 0
        number(2)  # data reference index
        base = number(base_size)
        for _ in range(number(2)):
            number(index_size)
            offset, length = number(offset_size), number(length_size)
            if method == 0:
                extents.setdefault(item, []).append((base + offset, length))
            elif method == 1 and idat is not None:
                extents.setdefault(item, []).append((idat[0] + base + offset, length))
        if position > end:
            raise UnknownFormat("HEIF item locations cut short")
    return extents


_STRIPPERS: dict[str, Callable[[bytes], bytes]] = {
    ".jpg": _strip_jpeg,
    ".png": _strip_png,
    ".webp": _strip_webp,
    ".heic": _strip_heif,
    ".avif": _strip_heif,
}


# --- TIFF and PDF ------------------------------------------------------------------------


def _reencode_tiff(data: bytes) -> bytes:
    """Every page decoded and written again: Pillow keeps a TIFF's XMP, IPTC and
    Photoshop tags when it saves an opened file, so the pages are copied out first."""
    with Image.open(io.BytesIO(data), formats=("TIFF",)) as image:
        pages = getattr(image, "n_frames", 1)
        if pages > MAX_PAGES or image.width * image.height * pages > MAX_PIXELS:
            raise UnknownFormat("TIFF too large to re-encode")
        copies = []
        for page in range(pages):
            image.seek(page)
            copy = image.copy()
            copy.info = {}
            copies.append(copy)
    out = io.BytesIO()
    copies[0].save(out, "TIFF", save_all=True, append_images=copies[1:], compression="tiff_deflate")
    return out.getvalue()


def _clean_pdf(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter  # imported when a PDF comes, not at start-up
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        raise UnknownFormat("encrypted PDF")
    names: Any = reader.root_object.get("/Names")
    if names is not None and "/EmbeddedFiles" in names.get_object():
        raise UnknownFormat("PDF with attached files")
    writer = PdfWriter(clone_from=reader)
    writer._info = None  # no document information dictionary at all (author, creator...)
    for reference in list(writer._objects):
        found = reference.get_object() if reference is not None else None
        if isinstance(found, DictionaryObject):
            for key in ("/Metadata", "/PieceInfo"):
                found.pop(NameObject(key), None)
        if isinstance(found, StreamObject):
            stream: Any = found
            if stream.get("/Type") == "/Metadata":  # an XMP stream, wherever it hangs
                stream._data = b""
            elif stream.get("/Filter") in ("/DCTDecode", ["/DCTDecode"]):
                stream._data = strip_metadata(stream._data)  # a JPEG inside, with its EXIF
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
