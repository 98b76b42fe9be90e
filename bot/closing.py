"""Why a case was closed: the common reasons as buttons for the officials, each with the
plain words the reporter reads in the one notice that tells them. An official may type a
reason of their own instead; it reaches the reporter as written, without their name."""

from __future__ import annotations

from dataclasses import dataclass

CLOSING = ("selesai", "tidak_valid")
MAX_REASON = 300  # a typed reason: a sentence or two, not a letter (that is /balas)


@dataclass(frozen=True)
class Reason:
    id: str  # in button data: "kasus:<code>:tutup:<status>:<id>"
    label: str  # the officials' button (Indonesian, short)
    told: dict[str, str]  # what the reporter reads, per language


REASONS: dict[str, tuple[Reason, ...]] = {
    "selesai": (
        Reason(
            "aman",
            "Orangnya sudah aman",
            {
                "id": "Orang yang Anda laporkan sudah dalam keadaan aman.",
                "en": "The person you reported about is safe now.",
            },
        ),
        Reason(
            "instansi",
            "Ditangani instansi lain",
            {
                "id": "Kasus ini sudah diserahkan kepada instansi yang berwenang untuk ditangani.",
                "en": "The case has been handed to the competent authority.",
            },
        ),
        Reason(
            "info",
            "Informasi sudah diberikan",
            {
                "id": "Petugas sudah memberikan informasi dan saran yang dibutuhkan.",
                "en": "The officials have given the information and advice needed.",
            },
        ),
        Reason(
            "tuntas",
            "Sudah ditindaklanjuti tuntas",
            {
                "id": "Tindak lanjut atas laporan Anda sudah selesai.",
                "en": "The follow-up of your report is complete.",
            },
        ),
    ),
    "tidak_valid": (
        Reason(
            "bukan",
            "Bukan TPPO / penipuan kerja",
            {
                "id": "Setelah diperiksa, laporan ini bukan kasus perdagangan orang atau "
                "penipuan kerja.",
                "en": "After checking, this report is not a case of trafficking or job fraud.",
            },
        ),
        Reason(
            "kurang",
            "Informasi tidak cukup",
            {
                "id": "Keterangan dalam laporan belum cukup untuk ditindaklanjuti. Anda boleh "
                "melapor lagi dengan keterangan yang lebih lengkap.",
                "en": "The report does not hold enough to act on. You are welcome to report "
                "again with more details.",
            },
        ),
        Reason(
            "ganda",
            "Laporan ganda",
            {
                "id": "Laporan ini sama dengan laporan lain yang sudah ditangani.",
                "en": "This report is the same as another one that is being handled.",
            },
        ),
    ),
}


def reason(status: str, reason_id: str) -> Reason | None:
    return next((r for r in REASONS.get(status, ()) if r.id == reason_id), None)
