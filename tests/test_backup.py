"""Nothing lost when the disk fails: `python main.py backup` while reports pour in, then
`python main.py restore` into a fresh folder, and every report that had its receipt is
there and readable, its evidence files too; a running bot's database is never replaced."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from pathlib import Path

from bot.config import Settings
from bot.crypto import generate_hash_key, generate_key
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.runtime import open_services
from tests.conftest import run_main
from tests.report_script import SUBMIT, report_steps
from tests.test_keys import environ
from tests.test_reports import Reporter, fill_report
from tests.test_whatsapp import USER, whatsapp_alone
from tests.test_whatsapp_reports import PHOTO, step


async def test_a_backup_during_a_burst_restores_every_receipted_report(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    keys = {"REPORTS_ENCRYPTION_KEY": generate_key(), "REPORTS_HASH_KEY": generate_hash_key()}
    live, fresh, copies = tmp_path / "live", tmp_path / "fresh", tmp_path / "copies"
    copies.mkdir()
    expired = copies / "migran-aman-20200101T023000Z.tar"  # a copy past BACKUP_KEEP_DAYS
    expired.write_bytes(b"an old copy")
    env = environ(tmp_path, **keys, BACKUP_KEEP_DAYS="30")
    async with whatsapp_alone(live, kb, matcher, **keys) as (wa, services):
        # A WhatsApp report whose two photos wait on disk (no officials' channel runs).
        for kind, what, expected in [*report_steps(photos=2), SUBMIT]:
            await step(wa, kind, what, expected)
        receipted: list[str] = []
        copying = asyncio.Event()
        users = itertools.count(5000)

        async def burst() -> None:
            """Reporters one after another, four at a time, until the copy is made."""

            async def one() -> None:
                receipted.append(await fill_report(Reporter(services, str(next(users)))))

            while not copying.is_set() or len(receipted) < 8:
                await asyncio.gather(*(one() for _ in range(4)))

        # A download being written when the copy is made: not evidence yet, not copied.
        (live / "whatsapp-media" / f".{'cd' * 16}.part").write_bytes(b"half a file")
        reporting = asyncio.create_task(burst())
        while len(receipted) < 4:
            await asyncio.sleep(0.01)
        before = list(receipted)  # receipts given before the copy began
        env["DATABASE_PATH"] = str(live / "bot.sqlite3")
        copied = await asyncio.to_thread(run_main, "backup", str(copies), env=env)
        copying.set()
        await reporting
        during = len(receipted) - len(before)
    assert copied.returncode == 0, copied.stderr
    assert during > 0  # reports were being written while the copy was made
    [made] = list(copies.glob("migran-aman-*.tar"))
    assert f"backup written: {made}" in copied.stdout and "2 evidence files" in copied.stdout
    assert not expired.exists() and "older than 30 days" in copied.stdout
    assert not [p for p in copies.iterdir() if p.name.startswith(".")]  # no leftovers

    env["DATABASE_PATH"] = str(fresh / "bot.sqlite3")  # a new disk, an empty folder
    restored = await asyncio.to_thread(run_main, "restore", str(made), env=env)
    assert restored.returncode == 0, restored.stderr
    settings = Settings.from_environ({"DATABASE_PATH": env["DATABASE_PATH"], **keys})
    async with open_services(settings, kb, matcher) as back:
        assert back.reports is not None
        stored = {report.code: report for report in await back.reports.all_cases()}
        for code in before:
            assert stored[code].answers["offer"].startswith("Lowongan admin")
        assert len(stored) >= len(before) + 1  # and the WhatsApp report
        [on_whatsapp] = [r for r in stored.values() if r.reporter.user_id == USER]
        refs = [ref for _, ref in on_whatsapp.answers["evidence"]]
        assert len(refs) == 2
        for ref in refs:  # the evidence files came back, readable with the keys
            data = (fresh / "whatsapp-media" / ref.removeprefix("wa-file:")).read_bytes()
            assert back.reports.cipher.decrypt_bytes(data).startswith(PHOTO)
    assert len(list((fresh / "whatsapp-media").iterdir())) == 2  # and nothing half-written


async def test_restore_refuses_a_running_bots_database_and_keeps_what_it_replaces(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    keys = {"REPORTS_ENCRYPTION_KEY": generate_key(), "REPORTS_HASH_KEY": generate_hash_key()}
    env = environ(tmp_path, **keys)
    settings = Settings.from_environ({"DATABASE_PATH": env["DATABASE_PATH"], **keys})
    async with open_services(settings, kb, matcher) as services:
        first = await fill_report(Reporter(services, "61"))
    copy = tmp_path / "copy.tar"
    made = await asyncio.to_thread(run_main, "backup", str(copy), env=env)
    assert made.returncode == 0, made.stderr
    assert copy.is_file()
    async with open_services(settings, kb, matcher) as services:
        second = await fill_report(Reporter(services, "62"))  # after the backup
        refused = await asyncio.to_thread(run_main, "restore", str(copy), env=env)
        assert refused.returncode != 0 and "stop it first" in refused.stderr
        assert await services.reports.by_code(second) is not None  # type: ignore[union-attr]
    restored = await asyncio.to_thread(run_main, "restore", str(copy), env=env)
    assert restored.returncode == 0, restored.stderr
    assert "before-restore" in restored.stdout
    async with open_services(settings, kb, matcher) as services:
        assert services.reports is not None
        assert [r.code for r in await services.reports.all_cases()] == [first]
    database = Path(env["DATABASE_PATH"])
    [aside] = list(database.parent.glob(f"{database.name}.before-restore-*"))
    stamp = aside.name.rsplit("-", 1)[1]
    assert dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ")  # named after the moment
