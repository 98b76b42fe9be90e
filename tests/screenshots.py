"""Phone screenshots of job adverts, drawn with Pillow, for the OCR tests and benchmark.

Drawn rather than stored: the tests know exactly what a perfect reading would be, and any
advert can be tried. Pillow's own font (Pillow >= 10.1 with FreeType) needs no system fonts.
"""

from __future__ import annotations

import io
import textwrap

from PIL import Image, ImageDraw, ImageFont, features

CAN_DRAW = features.check("freetype2")

DUMAI_AD = (
    "LOWONGAN KERJA KEBUN SAWIT MALAYSIA. Gaji 5 juta per bulan. Berangkat lewat Dumai naik "
    "kapal ke Malaka, paspor diurus di sana. Berangkat minggu depan! Tidak dipungut biaya "
    "pendaftaran. Minat hub WA 0812 3456 7890"
)


def chat_screenshot(message: str, dark: bool = False, width: int = 1080) -> bytes:
    """A WhatsApp-like group chat with `message` in one bubble, as PNG."""
    font = ImageFont.load_default(size=40)
    lines = [line for part in message.split("\n") for line in textwrap.wrap(part, 38) or [""]]
    bubble_height = 52 * len(lines) + 90
    background, bubble, ink = (
        ((11, 20, 26), (32, 44, 51), (233, 237, 239))
        if dark
        else ((236, 229, 221), (255, 255, 255), (17, 27, 33))
    )
    image = Image.new("RGB", (width, bubble_height + 260), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 140), fill=(0, 128, 105))
    draw.text((40, 50), "Info Loker Sumbar", font=font, fill=(255, 255, 255))
    draw.rounded_rectangle((40, 180, width - 120, 180 + bubble_height), radius=24, fill=bubble)
    for number, line in enumerate(lines):
        draw.text((70, 210 + 52 * number), line, font=font, fill=ink)
    small = ImageFont.load_default(size=28)
    draw.text((width - 300, 130 + bubble_height), "21.47", font=small, fill=(120, 120, 120))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
