"""The first-run demo: with no REPORTS_ENCRYPTION_KEY, the terminal chat still shows
reporting end to end, on a throwaway key and database of its own under `data/demo/`.

Never used when a real key is set, and never by the Telegram bot: there, reporting stays
off until a real key is configured.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bot.config import Secret, Settings
from bot.crypto import generate_hash_key, generate_key

BANNER = (
    "DEMO — pelaporan memakai kunci dan database contoh (folder {folder}).\n"
    "Jangan isi data sungguhan. Kartu laporan untuk petugas tampil di terminal ini;\n"
    "ketik /petugas untuk berperan sebagai petugas (status, balasan), /pelapor untuk kembali.\n"
    "Untuk sungguhan: isi REPORTS_ENCRYPTION_KEY (python main.py gen-key) di .env."
)


DATABASE_NAME = "migran-aman-demo.sqlite3"


def demo_folder(settings: Settings) -> Path:
    """Beside the real database (data/demo/ by default), so tests can use a temp folder."""
    return settings.database_path.parent / "demo"


def demo_settings(settings: Settings) -> Settings:
    """Settings that point reporting at the demo key and database, made on first use."""
    folder = demo_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    key = _demo_key(folder / "demo.key", generate_key)
    hash_key = _demo_key(folder / "demo-hash.key", generate_hash_key)
    return replace(
        settings,
        database_path=folder / DATABASE_NAME,
        reports_key=Secret(key),
        hash_key=Secret(hash_key),
    )


def _demo_key(key_file: Path, generate: Callable[[], str]) -> str:
    """The demo key kept in `key_file`, made on first use."""
    if not key_file.exists():
        # Owner-only from the first byte: it is a key, even if a demo one.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(generate() + "\n")
    return key_file.read_text(encoding="utf-8").strip()
