"""The officials' side of the broadcasts, in their group (channel-neutral):

- `/siaran teks…` (options on lines of their own at the end, bot.broadcast.compose) shows
  a preview: the text as subscribers will see it, how many it reaches on Telegram and on
  WhatsApp and in which regions, and how long delivering it will take within each
  platform's limits; ✅ Kirim / ✖️ Batal. With BROADCAST_APPROVERS=2 a second official's
  ✅ Kirim is needed too (four eyes). Who composed, approved or cancelled is recorded.
- `/siaran` lists the group's recent campaigns with their counts;
- `/siaran hasil NOMOR` a poll's answers per choice and region, as a chart and figures;
- `/siaran batal NOMOR` stops a campaign: nothing more is sent.

A region's group addresses its own region (by default) or its kecamatan; only the
province's group, and only its officials, may address every region.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

from bot import charts
from bot.broadcast.campaigns import Campaign, CampaignStore, Counts
from bot.broadcast.compose import USAGE, Refused, compose
from bot.broadcast.message import broadcast_reply
from bot.broadcast.subscribers import SubscriberStore, in_window
from bot.broadcast.targets import audience, chosen, describe
from bot.clock import Clock, utc_now
from bot.deadlines import short_moment
from bot.messages import Button, Reply
from bot.officials_chat import Chart, Post, Pressed
from bot.regions import PROVINCE, Regions, Scope
from bot.roster import Roster
from bot.safe_text import quoted

ACTION = "siaran"  # button data "siaran:<id>:kirim" / "siaran:<id>:batal"
STATUS_WORDS = {
    "draft": "menunggu ✅ Kirim",
    "approved": "terjadwal",
    "sending": "sedang dikirim",
    "done": "selesai",
    "cancelled": "dibatalkan",
}
LANGUAGE_WORDS = {None: "semua pelanggan", "id": "Bahasa Indonesia", "en": "English"}


@dataclass(frozen=True)
class Rates:
    """What the preview's estimate assumes: broadcast messages a second per platform, and
    Meta's messaging limit (people reached outside the 24-hour window in any 24 hours)."""

    telegram: float = 25.0
    whatsapp: float = 60.0
    whatsapp_limit: int | None = 250


class BroadcastDesk:
    def __init__(
        self,
        campaigns: CampaignStore,
        subscribers: SubscriberStore,
        regions: Regions,
        roster: Roster,
        approvers: int = 1,
        rates: Rates | None = None,
        on_approved: Callable[[], None] | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.campaigns = campaigns
        self.subscribers = subscribers
        self.regions = regions
        self.roster = roster
        self.approvers = approvers
        self.rates = rates or Rates()
        self.on_approved = on_approved  # wakes the sender
        self.clock = clock

    # --- commands ----------------------------------------------------------------------

    async def command(self, official: str, chat_id: int, argument: str, scope: Scope) -> Post:
        words = argument.split()
        verb = words[0].casefold() if words else ""
        number = words[1].lstrip("#") if len(words) == 2 else ""
        if not words:
            return Post(await self.listing(chat_id, scope))
        if verb in ("bantuan", "help") and len(words) == 1:
            return Post(Reply(USAGE))
        if verb in ("hasil", "batal") and number.isdigit():
            campaign = await self._visible(int(number), chat_id, scope)
            if campaign is None:
                return Post(Reply(f"Siaran #{number} tidak ditemukan di grup ini."))
            if verb == "batal":
                return Post(await self._cancel(official, campaign))
            return await self.results(campaign)
        return Post(await self.preview(official, chat_id, argument, scope))

    async def preview(self, official: str, chat_id: int, message: str, scope: Scope) -> Reply:
        now = self.clock()
        made = compose(message, self.regions, scope.regions, scope.read_only, now)
        if isinstance(made, Refused):
            problems = "\n".join(f"• {problem}" for problem in made.problems)
            return Reply(f"Siaran belum bisa dibuat:\n{problems}\n\n{USAGE}")
        group = PROVINCE if scope.read_only else self._group_of(chat_id, scope)
        campaign = await self.campaigns.create(chat_id, group, made, official)
        return await self._preview(campaign)

    async def _preview(self, campaign: Campaign) -> Reply:
        now = self.clock()
        listed = chosen(await self.subscribers.listed(), campaign.reach, self.regions.default_id)
        start = max(campaign.scheduled_at, now)
        counted = audience(
            listed,
            self.regions,
            [in_window(s.seen_at, start) for s in listed],
            [s.rest_until is not None and dt.datetime.fromisoformat(s.rest_until) > start
             for s in listed],
        )  # fmt: skip
        when = (
            "sekarang"
            if campaign.scheduled_at <= now
            else short_moment(campaign.scheduled_at, "id")
        )
        seen = broadcast_reply(campaign.id, campaign.text, campaign.options, "id")
        choices = " · ".join(f"[{b.label}]" for row in seen.buttons for b in row)
        lines = [
            f"📢 Pratinjau siaran #{campaign.id}",
            f"Wilayah: {describe(campaign.targets, self.regions)} · "
            f"Bahasa: {LANGUAGE_WORDS.get(campaign.language, campaign.language)} · Jadwal: {when}",
            "",
            "Yang diterima pelanggan:",
            quoted(f"{seen.title}\n\n{seen.text}\n\n{seen.note}"),
            f"Tombol: {choices}",
            "",
            f"Penerima: {_n(counted.total)} (Telegram {_n(counted.telegram)} · WhatsApp "
            f"{_n(counted.whatsapp)})",
        ]
        if counted.by_region:
            shown = ", ".join(f"{name} {_n(n)}" for name, n in counted.by_region[:12])
            more = len(counted.by_region) - 12
            lines.append(f"Per wilayah: {shown}" + (f", dan {more} lainnya" if more > 0 else ""))
        lines += self._estimate(counted.telegram, counted.whatsapp, counted.whatsapp_in_window)
        if counted.resting:
            lines.append(
                f"{_n(counted.resting)} pelanggan sudah menerima siaran dalam 24 jam terakhir: "
                "untuk mereka siaran ini menunggu sampai sehari lewat (satu siaran sehari)."
            )
        if counted.total == 0:
            lines.append("Belum ada pelanggan di wilayah ini: tidak ada yang akan menerimanya.")
        lines.append(self._approval_line(campaign))
        buttons = (
            (
                Button("✅ Kirim", f"{ACTION}:{campaign.id}:kirim"),
                Button("✖️ Batal", f"{ACTION}:{campaign.id}:batal"),
            ),
        )
        return Reply("\n".join(lines), buttons=buttons)

    def _estimate(self, telegram: int, whatsapp: int, in_window_count: int) -> list[str]:
        """How long delivering it takes at each platform's pace (when nothing else is sent)."""
        lines = []
        if telegram:
            seconds = telegram / self.rates.telegram
            lines.append(
                f"Perkiraan waktu Telegram: {_duration(seconds)} ({self.rates.telegram:g} "
                "pesan/detik, setelah jawaban untuk warga)"
            )
        if whatsapp:
            templates = whatsapp - in_window_count
            seconds = whatsapp / self.rates.whatsapp
            line = f"Perkiraan waktu WhatsApp: {_duration(seconds)}"
            limit = self.rates.whatsapp_limit
            if templates and limit is not None and templates > limit:
                days = math.ceil(templates / limit)
                line = (
                    f"Perkiraan waktu WhatsApp: ± {days} hari: {_n(templates)} orang di luar "
                    f"jendela 24 jam, batas Meta {_n(limit)} orang per 24 jam"
                )
            lines.append(line)
            if templates:
                lines.append(
                    f"WhatsApp: {_n(in_window_count)} sebagai pesan biasa, {_n(templates)} "
                    "lewat template pemasaran (dibayar per pesan terkirim, lihat "
                    "docs/whatsapp.md)"
                )
        return lines

    def _approval_line(self, campaign: Campaign) -> str:
        if self.approvers <= 1:
            return "Hanya petugas yang dapat menekan ✅ Kirim; namanya dicatat."
        names = ", ".join(self.roster.name(who) for who in campaign.approvals) or "belum ada"
        return (
            f"Perlu ✅ Kirim dari {self.approvers} petugas berbeda "
            f"({len(campaign.approvals)} sudah: {names})."
        )

    async def listing(self, chat_id: int, scope: Scope) -> Reply:
        campaigns = await self.campaigns.recent(None if scope.read_only else chat_id)
        total = await self.subscribers.count()
        if not campaigns:
            return Reply(
                f"Belum ada siaran dari grup ini. Pelanggan saat ini: {_n(total)}.\n\n{USAGE}"
            )
        lines = ["📢 Siaran terbaru (yang terbaru di atas):"]
        for campaign in campaigns:
            counts = await self.campaigns.counts(campaign.id)
            lines.append("")
            lines.append(self._headline(campaign))
            lines.append("   " + _counts_line(campaign, counts))
        lines.append("")
        lines.append(
            f"Pelanggan saat ini: {_n(total)}. /siaran hasil NOMOR · /siaran batal NOMOR · "
            "/siaran bantuan"
        )
        return Reply("\n".join(lines))

    def _headline(self, campaign: Campaign) -> str:
        moment = dt.datetime.fromisoformat(campaign.started_at) if campaign.started_at else None
        when = short_moment(moment or campaign.scheduled_at, "id")
        poll = " · jajak pendapat" if campaign.poll else ""
        first = campaign.text.splitlines()[0]
        excerpt = first if len(first) <= 50 else first[:49] + "…"
        by = self.roster.name(campaign.created_by)
        approved = ", ".join(self.roster.name(who) for who in campaign.approvals)
        approved = f", ✅ {approved}" if approved else ""
        return (
            f"#{campaign.id} · {when} · {STATUS_WORDS.get(campaign.status, campaign.status)}"
            f"{poll} · {describe(campaign.targets, self.regions)} · oleh {by}{approved}: "
            f"«{excerpt}»"
        )

    async def results(self, campaign: Campaign) -> Post:
        if not campaign.poll:
            return Post(Reply(f"Siaran #{campaign.id} bukan jajak pendapat."))
        rows = await self.campaigns.results(campaign.id)
        counts = await self.campaigns.counts(campaign.id)
        total = sum(n for _, _, n in rows)
        lines = [
            f"Jajak pendapat #{campaign.id}: {_n(total)} jawaban dari {_n(counts.sent)} penerima"
        ]
        by_choice: dict[int, list[tuple[str, int]]] = {}
        for choice, region, n in rows:
            by_choice.setdefault(choice, []).append((self._region_name(region), n))
        for number, option in enumerate(campaign.options):
            found = by_choice.get(number, [])
            answered = sum(n for _, n in found)
            share = f" ({round(100 * answered / total)}%)" if total else ""
            where = ", ".join(f"{name} {_n(n)}" for name, n in sorted(found, key=lambda f: -f[1]))
            lines.append(f"«{option}»: {_n(answered)}{share}" + (f" — {where}" if where else ""))
        text_ = "\n".join(lines)
        if not total:
            return Post(Reply(text_))
        series = {self._region_name(region): [0] * len(campaign.options) for _, region, _ in rows}
        for choice, region, n in rows:
            series[self._region_name(region)][choice] += n
        title = f"Jajak pendapat #{campaign.id}: {total} jawaban"
        png = await asyncio.to_thread(charts.poll_png, title, campaign.options, series)
        return Post(Reply(text_, title="Hasil jajak pendapat"), chart=Chart(png, lines[0]))

    def _region_name(self, region: str | None) -> str:
        return "tanpa tempat" if region is None else self.regions.get(region).name

    async def _cancel(self, official: str, campaign: Campaign) -> Reply:
        outcome, _ = await self.campaigns.cancel(campaign.id, official)
        if outcome != "cancelled":
            word = STATUS_WORDS.get(campaign.status, campaign.status)
            return Reply(f"Siaran #{campaign.id} sudah {word}; tidak ada yang dihentikan.")
        counts = await self.campaigns.counts(campaign.id)
        who = self.roster.name(official)
        return Reply(
            f"✖️ Siaran #{campaign.id} dihentikan oleh {who}: {_n(counts.sent)} sudah terkirim, "
            f"{_n(counts.cancelled)} tidak jadi dikirim."
        )

    # --- buttons -----------------------------------------------------------------------

    async def press(self, official: str, chat_id: int, data: str, scope: Scope) -> Pressed:
        _, number, verb = [*data.split(":"), "", ""][:3]
        campaign = await self._visible(int(number), chat_id, scope) if number.isdigit() else None
        if campaign is None or campaign.chat_id != chat_id or verb not in ("kirim", "batal"):
            return Pressed("Tombol tidak dikenal.")
        who = self.roster.name(official)
        if verb == "batal":
            outcome, _ = await self.campaigns.cancel(campaign.id, official)
            if outcome != "cancelled":
                return Pressed("Siaran ini sudah dikirim atau dibatalkan.")
            return Pressed(
                "Dibatalkan.",
                replace=Reply(f"✖️ Siaran #{campaign.id} dibatalkan oleh {who}; tidak dikirim."),
            )
        outcome, campaign = await self.campaigns.approve(campaign.id, official, self.approvers)
        if outcome == "closed":
            return Pressed("Siaran ini sudah disetujui, dikirim atau dibatalkan.")
        if outcome == "already":
            return Pressed("Anda sudah menekan ✅ Kirim; perlu petugas lain.")
        if outcome == "waiting":
            left = self.approvers - len(campaign.approvals)
            return Pressed(
                f"Tercatat. Perlu {left} petugas lain menekan ✅ Kirim.",
                replace=await self._preview(campaign),
            )
        if self.on_approved is not None:
            self.on_approved()
        names = ", ".join(self.roster.name(w) for w in campaign.approvals)
        now = self.clock()
        when = (
            "dikirim sekarang"
            if campaign.scheduled_at <= now
            else f"dikirim {short_moment(campaign.scheduled_at, 'id')}"
        )
        return Pressed(
            "Disetujui.",
            replace=Reply(
                f"✅ Siaran #{campaign.id} disetujui oleh {names}; {when}, paling akhir setelah "
                f"jawaban untuk warga. Lihat perkembangannya: /siaran\n{quoted(campaign.text)}"
            ),
        )

    # --- helpers -----------------------------------------------------------------------

    async def _visible(self, campaign_id: int, chat_id: int, scope: Scope) -> Campaign | None:
        """A campaign of this group (the province's group sees every group's)."""
        campaign = await self.campaigns.get(campaign_id)
        if campaign is None or (campaign.chat_id != chat_id and not scope.read_only):
            return None
        return campaign

    def _group_of(self, chat_id: int, scope: Scope) -> str | None:
        """The outbox group of a region's officials' chat (for notices about the campaign)."""
        for region in self.regions.regions:
            if region.officials_chat_id == chat_id and region.id in scope.regions:
                return region.id
        return None


def _counts_line(campaign: Campaign, counts: Counts) -> str:
    if campaign.status in ("draft", "approved"):
        return "belum dikirim"
    parts = [f"terkirim {_n(counts.sent)} dari {_n(counts.total)}"]
    if counts.pending and campaign.status == "sending":
        parts.append(f"menunggu {_n(counts.pending)}")
    parts.append(f"gagal {_n(counts.failed)}")
    parts.append(f"berhenti langganan sejak itu {_n(counts.left_since + counts.blocked)}")
    if counts.delivered or counts.templates:
        parts.append(f"sampai di HP (WhatsApp) {_n(counts.delivered)}")
    if counts.cancelled:
        parts.append(f"tidak jadi dikirim {_n(counts.cancelled)}")
    return " · ".join(parts)


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"± {max(1, round(seconds))} detik"
    if seconds < 90 * 60:
        return f"± {round(seconds / 60)} menit"
    if seconds < 36 * 3600:
        return f"± {round(seconds / 3600)} jam"
    return f"± {math.ceil(seconds / 86400)} hari"
