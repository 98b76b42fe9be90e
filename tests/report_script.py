"""The report a simulated user files, as data, shared by tests and benchmarks.

Each action is ("say" | "press" | "photo", what to send or which button, a text the bot's
answer contains), so a driver can wait for exactly the answer each step produces.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.fake_telegram import FakeTelegram

Action = tuple[str, str, str]

CODE = re.compile(r"PRM-[A-Z0-9]{4}-[A-Z0-9]{4}")
OFFER = "Lowongan admin di Kamboja gaji 15 juta, visa turis, berangkat cepat"
SUBMIT: Action = ("press", "✅ Kirim", "Kode kasus")


def report_steps(photos: int = 2, offer: str = OFFER, urgent: bool = False) -> list[Action]:
    """From /lapor to the summary, anonymous, sending `photos` screenshots as evidence;
    `urgent`: "Ya" to "is someone in danger now"."""
    return [
        ("say", "/lapor", "Apa yang ingin Anda laporkan"),
        ("press", "🧾 Tawaran kerja mencurigakan", "1/9"),
        ("say", offer, f"Tersimpan: «{offer.split()[0]}"),  # the answer is echoed back
        ("press", "➡️ Lanjut", "2/9"),
        ("press", "Tidak tahu", "3/9"),
        ("press", "Pariaman Tengah", "4/9"),
        ("say", "Kamboja, admin", "5/9"),  # one message: saved, and on at once
        ("press", "Belum", "6/9"),
        ("press", "Ya" if urgent else "Tidak", "7/9"),
        *(("photo", "", f"Bukti tersimpan ({n})") for n in range(1, photos + 1)),
        ("press", "Selesai", "8/9"),
        ("press", "Anonim", "9/9"),
        ("press", "Ya, teruskan", "Periksa laporan"),
    ]


def perform(tg: FakeTelegram, user: int, action: Action) -> None:
    """The user takes one step of the script in their private chat with the bot."""
    kind, what, _ = action
    if kind == "say":
        tg.send_text(user, what)
    elif kind == "press":
        tg.press_button_with_text(user, what)
    else:
        tg.send_photo(user, content=b"\x89PNG fake screenshot")
