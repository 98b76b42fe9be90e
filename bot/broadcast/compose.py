"""`/siaran` as an official types it: the text first, then options on lines of their own
at the end:

    /siaran Hati-hati: lowongan "admin online" ke Kamboja lewat TikTok adalah penipuan.
    Cek dulu di /cek atau tanya DPMPTSP-TK.
    wilayah: Pariaman Utara, kabupaten-padang-pariaman
    bahasa: id
    jadwal: 2026-12-24 09:00
    pilihan:
    - Pernah lihat
    - Belum pernah

Pure: it reads the message and says what it asks for, or every problem, one line each.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.broadcast.message import MAX_PARAMETER, template_parameter
from bot.broadcast.targets import Target, parse_regions
from bot.deadlines import WIB
from bot.regions import Regions
from bot.safe_text import clean_text

MAX_TEXT = 900  # as WhatsApp's template parameter (bot.broadcast.message), with the choices
MAX_OPTION = 40
MIN_OPTIONS, MAX_OPTIONS = 2, 5
MAX_AHEAD = dt.timedelta(days=90)
LANGUAGES = {
    "id": "id",
    "indonesia": "id",
    "bahasa indonesia": "id",
    "en": "en",
    "english": "en",
    "inggris": "en",
    "semua": None,
    "all": None,
}
_OPTION_LINE = re.compile(r"[-•*]\s+(.+)")
_KEY_LINE = re.compile(r"(wilayah|bahasa|jadwal|pilihan)\s*:\s*(.*)", re.IGNORECASE)
_SCHEDULE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2})[:.](\d{2})")
USAGE = (
    "Tulis teks siaran setelah /siaran, lalu (boleh) di baris sendiri di akhir:\n"
    "wilayah: Pariaman Utara, kota-pariaman (kecamatan atau id wilayah; bawaan: wilayah "
    "grup ini)\n"
    "bahasa: id atau en (bawaan: semua pelanggan)\n"
    "jadwal: 2026-12-24 09:00 (WIB; bawaan: sekarang)\n"
    "pilihan: lalu 2–5 baris berawalan «- » (jajak pendapat)\n\n"
    "/siaran — daftar siaran · /siaran hasil NOMOR — hasil jajak pendapat · "
    "/siaran batal NOMOR — hentikan pengiriman"
)


@dataclass(frozen=True)
class Composition:
    text: str
    targets: tuple[Target, ...] | None  # None: every region
    language: str | None  # None: every subscriber
    scheduled_at: dt.datetime  # aware
    options: tuple[str, ...]  # empty: no poll


@dataclass(frozen=True)
class Refused:
    problems: list[str]


def compose(
    message: str,
    regions: Regions,
    own_regions: frozenset[str],
    province: bool,
    now: dt.datetime,
) -> Composition | Refused:
    """`own_regions`: what this group may address; `province`: the province's group, which
    may address every region and does so by default."""
    lines = [line.rstrip() for line in clean_text(message).strip().splitlines()]
    problems: list[str] = []
    found: dict[str, str] = {}
    options: list[str] = []
    while lines:
        line = lines[-1].strip()
        item = _OPTION_LINE.fullmatch(line)
        key = _KEY_LINE.fullmatch(line)
        if item and "pilihan" not in found:
            options.insert(0, " ".join(item[1].split()))
        elif key and key[1].casefold() not in found:
            found[key[1].casefold()] = key[2].strip()
            if key[1].casefold() == "pilihan" and key[2].strip():
                options.insert(0, " ".join(key[2].split()))  # "pilihan: - Ya" on one line
        elif not line:
            pass
        else:
            break
        lines.pop()
    if options and "pilihan" not in found:  # "- ..." lines without "pilihan:" are text
        lines += [f"- {option}" for option in options]
        options = []
    text = "\n".join(lines).strip()
    if not text:
        problems.append("teks siaran kosong")
    elif len(text) > MAX_TEXT:
        problems.append(f"teks siaran {len(text)} huruf; paling banyak {MAX_TEXT}")
    if "pilihan" in found and not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        problems.append(
            f"jajak pendapat perlu {MIN_OPTIONS}–{MAX_OPTIONS} pilihan (baris «- »), "
            f"bukan {len(options)}"
        )
    for option in options:
        if len(option) > MAX_OPTION:
            problems.append(f"pilihan «{option[:20]}…» lebih dari {MAX_OPTION} huruf")
    if len({o.casefold() for o in options}) < len(options):
        problems.append("dua pilihan sama")
    flat = max(
        len(template_parameter(text, tuple(options), lang, fit=False)) for lang in ("id", "en")
    )
    if text and len(text) <= MAX_TEXT and flat > MAX_PARAMETER:
        problems.append(
            f"teks dan pilihan {flat} huruf sebagai template WhatsApp; paling banyak "
            f"{MAX_PARAMETER}: singkatkan"
        )
    if "wilayah" in found:
        targets, wrong = parse_regions(found["wilayah"], regions, own_regions, province)
        problems += wrong
        if targets is not None and not targets and not wrong:
            problems.append("wilayah kosong")
    else:
        targets = None if province else tuple(Target(r) for r in sorted(own_regions))
    language: str | None = None
    if "bahasa" in found:
        wanted = " ".join(found["bahasa"].casefold().split())
        if wanted not in LANGUAGES:
            problems.append(f"bahasa «{found['bahasa']}»: tulis id atau en")
        language = LANGUAGES.get(wanted)
    scheduled = now
    if "jadwal" in found:
        moment = _schedule(found["jadwal"], now)
        if moment is None:
            problems.append(f"jadwal «{found['jadwal']}»: tulis seperti 2026-12-24 09:00 (WIB)")
        elif moment < now - dt.timedelta(minutes=1):
            problems.append(f"jadwal {found['jadwal']} WIB sudah lewat")
        elif moment > now + MAX_AHEAD:
            problems.append(f"jadwal paling jauh {MAX_AHEAD.days} hari lagi")
        else:
            scheduled = max(moment, now)
    if problems:
        return Refused(problems)
    return Composition(text, targets, language, scheduled, tuple(options))


def _schedule(value: str, now: dt.datetime) -> dt.datetime | None:
    if value.strip().casefold() in ("sekarang", "now"):
        return now
    found = _SCHEDULE.fullmatch(value.strip())
    if found is None:
        return None
    year, month, day, hour, minute = (int(part) for part in found.groups())
    try:
        return dt.datetime(year, month, day, hour, minute, tzinfo=WIB)
    except ValueError:
        return None
