"""Metadata removal from evidence images: GPS and names go, every image byte stays."""

from __future__ import annotations

import contextlib
import io
import struct
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bot.metadata import UnknownFormat, clean, strip_metadata, uncleaned_note

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
    heads = (
        b"\xff\xd8",
        b"\x89PNG\r\n\x1a\n",
        b"RIFF\x00\x00\x00\x00WEBP",
        b"\x00\x00\x00\x18ftypheic",
        b"",
    )
    for head in heads:
        with contextlib.suppress(UnknownFormat):
            strip_metadata(head + tail)


def test_other_formats_are_reported_unknown() -> None:
    with pytest.raises(UnknownFormat):
        strip_metadata(b"%PDF-1.4 Author (Siti)")


# --- issue 17, finding 7: every embedded image, and the other formats -----------------


def multi_picture_jpeg() -> tuple[bytes, bytes]:
    """A phone's multi-picture JPEG: the main image (without EXIF here), an MPF index, and
    a second image appended after its end with its own EXIF and GPS position."""
    main, scan = photo_jpeg()
    main = main.replace(segment(0xE1, b"Exif\x00\x00MM\x00*" + GPS), b"")
    mpf = segment(0xE2, b"MPF\x00MM\x00*\x00\x00\x00\x08")
    first = main[:2] + mpf + main[2:]
    second, _ = photo_jpeg()  # carries GPS in its APP1, APP13 and comment
    return first + second + b"SEFT trailer " + GPS, scan


def test_a_jpeg_is_cut_after_its_first_image_with_the_appended_images_and_trailers() -> None:
    original, scan = multi_picture_jpeg()
    assert original.count(GPS) >= 4
    cleaned = strip_metadata(original)
    assert GPS not in cleaned and b"MPF" not in cleaned and b"SEFT" not in cleaned
    assert cleaned.endswith(scan) and cleaned.count(b"\xff\xd8") == 1
    assert strip_metadata(cleaned) == cleaned


def test_a_progressive_jpeg_keeps_every_scan() -> None:
    original, scan = photo_jpeg()
    second_scan = segment(0xC4, b"\x00" + bytes(16)) + scan  # a table, then another scan
    progressive = original[: -len(scan)] + scan[:-2] + second_scan
    cleaned = strip_metadata(progressive)
    assert GPS not in cleaned and cleaned.endswith(second_scan)
    assert cleaned.count(b"\xff\xda") == 2


def riff_chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")


def test_webp_loses_exif_and_xmp_chunks_and_their_flags() -> None:
    vp8x = riff_chunk(b"VP8X", bytes([0x08 | 0x04 | 0x10]) + bytes(9))
    image = riff_chunk(b"VP8L", b"\x2f\x00\x00\x00\x00 lossless pixels")
    body = b"WEBP" + vp8x + image + riff_chunk(b"EXIF", b"MM\x00*" + GPS)
    body += riff_chunk(b"XMP ", b"<x:xmpmeta>" + GPS)
    cleaned = strip_metadata(b"RIFF" + struct.pack("<I", len(body)) + body)
    assert GPS not in cleaned and image in cleaned
    assert cleaned[20] == 0x10  # alpha kept, EXIF and XMP flags cleared
    assert struct.unpack("<I", cleaned[4:8])[0] == len(cleaned) - 8


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body) + 8) + kind + body


def heic_with_exif() -> tuple[bytes, bytes, bytes]:
    """A HEIC as phones lay it out: ftyp, meta (items: the coded picture, its EXIF, its
    XMP) and mdat holding their bytes; returns (file, picture bytes, EXIF bytes)."""
    picture, exif = b"\x00\x00\x01hevc coded picture", b"\x00\x00\x00\x06Exif\x00\x00MM" + GPS
    xmp = b"<x:xmpmeta>" + GPS + b"</x:xmpmeta>"
    infe = [
        box(b"infe", b"\x02\x00\x00\x00" + struct.pack(">HH", 1, 0) + b"hvc1" + b"\x00"),
        box(b"infe", b"\x02\x00\x00\x00" + struct.pack(">HH", 2, 0) + b"Exif" + b"\x00"),
        box(
            b"infe",
            b"\x02\x00\x00\x00" + struct.pack(">HH", 3, 0) + b"mime\x00application/rdf+xml\x00",
        ),
    ]
    iinf = box(b"iinf", b"\x00\x00\x00\x00" + struct.pack(">H", 3) + b"".join(infe))
    ftyp = box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic")

    def meta_with(offsets: tuple[int, int, int]) -> bytes:
        entries = b"".join(
            struct.pack(">HHH", item, 0, 1) + struct.pack(">II", offset, len(content))
            for item, offset, content in zip((1, 2, 3), offsets, (picture, exif, xmp), strict=True)
        )
        iloc = box(b"iloc", b"\x00\x00\x00\x00" + bytes([0x44, 0x00]) + struct.pack(">H", 3))
        iloc = box(b"iloc", iloc[8:] + entries)
        return box(b"meta", b"\x00\x00\x00\x00" + box(b"hdlr", bytes(24)) + iinf + iloc)

    head_size = len(ftyp) + len(meta_with((0, 0, 0))) + 8  # mdat's own header
    offsets = (head_size, head_size + len(picture), head_size + len(picture) + len(exif))
    mdat = box(b"mdat", picture + exif + xmp)
    return ftyp + meta_with(offsets) + mdat, picture, exif


def test_heic_loses_its_exif_and_xmp_items_in_place_and_keeps_the_picture() -> None:
    original, picture, exif = heic_with_exif()
    assert original.count(GPS) == 2
    cleaned = strip_metadata(original)
    assert GPS not in cleaned and len(cleaned) == len(original)
    assert picture in cleaned and bytes(len(exif)) in cleaned  # zeroed where it lay


def named_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x013B] = "Siti Rahayu"  # Artist
    exif[0x010E] = GPS.decode()  # ImageDescription
    return exif


def test_tiff_is_re_encoded_with_its_pixels_and_pages_and_no_tags() -> None:
    pages = [Image.new("RGB", (40, 30), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:], exif=named_exif())
    assert b"Siti Rahayu" in out.getvalue()
    result = clean(out.getvalue())
    assert result.cleaned and result.extension == ".tif"
    assert b"Siti Rahayu" not in result.data and GPS not in result.data
    with Image.open(io.BytesIO(result.data)) as again:
        assert getattr(again, "n_frames", 1) == 2 and not again.getexif().get(0x013B)
        assert again.convert("RGB").getpixel((5, 5)) == (255, 0, 0)


def pdf_with_metadata() -> bytes:
    """A PDF with an author, an XMP stream and a photo whose JPEG carries GPS."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, StreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(100, 100)
    photo, _ = photo_jpeg()
    image = StreamObject()
    image._data = photo
    image.update(
        {NameObject(k): NameObject(v) for k, v in (("/Type", "/XObject"), ("/Subtype", "/Image"))}
    )
    image[NameObject("/Filter")] = NameObject("/DCTDecode")
    resources = {NameObject("/Im0"): writer._add_object(image)}
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject(resources)}
    )
    writer.add_metadata({"/Author": "Siti Rahayu", "/Creator": "Scanner of Siti"})
    xmp = DecodedStreamObject()
    xmp.set_data(b"<x:xmpmeta>" + GPS + b"</x:xmpmeta>")
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_loses_author_xmp_and_the_exif_of_the_photos_inside() -> None:
    original = pdf_with_metadata()
    assert b"Siti Rahayu" in original and original.count(GPS) >= 2
    result = clean(original)
    assert result.cleaned and result.extension == ".pdf"
    assert b"Siti" not in result.data and GPS not in result.data
    assert photo_jpeg()[1] in result.data  # the photo itself, byte for byte


def test_what_cannot_be_cleaned_says_so_and_goes_as_it_came() -> None:
    video = box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + box(b"moov", b"\xa9xyz" + GPS)
    for data, kind in ((video, "video"), (b"%PDF-1.4 broken " + GPS, "PDF terkunci atau rusak")):
        result = clean(data)
        assert not result.cleaned and result.data == data and result.kind == kind
        assert kind in uncleaned_note(result.kind)
