"""`/siaran` as officials type it (bot.broadcast.compose) and whom its regions reach
(bot.broadcast.targets): options at the end, every problem named, and a region's group
kept to its own region."""

from __future__ import annotations

import datetime as dt

from bot.broadcast.compose import Composition, Refused, compose
from bot.broadcast.subscribers import Listed
from bot.broadcast.targets import Reach, Target, chosen
from bot.deadlines import WIB
from bot.regions import parse_regions

REGIONS = parse_regions(
    {
        "default_region": "kota-pariaman",
        "province_chat_id": -1009,
        "regions": [
            {
                "id": "kota-pariaman",
                "name": "Kota Pariaman",
                "code_prefix": "PRM",
                "officials_chat_id": -1001,
                "places": ["Pariaman Utara", "Pariaman Tengah"],
            },
            {
                "id": "kab-agam",
                "name": "Kabupaten Agam",
                "code_prefix": "AGM",
                "officials_chat_id": -1002,
                "places": ["Lubuk Basung", "Tanjung Raya"],
            },
        ],
    }
)
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=WIB)
PARIAMAN = frozenset({"kota-pariaman"})
EVERY = frozenset({"kota-pariaman", "kab-agam"})


def test_a_poll_with_every_option_is_read_from_the_end() -> None:
    made = compose(
        "Waspada lowongan admin online ke Kamboja.\nCek dulu: /cek\n"
        "wilayah: Pariaman Utara, kota-pariaman\nbahasa: en\njadwal: 2026-12-24 09:00\n"
        "pilihan:\n- Pernah lihat\n- Belum pernah\n- Tidak tahu",
        REGIONS,
        PARIAMAN,
        False,
        NOW,
    )
    assert made == Composition(
        text="Waspada lowongan admin online ke Kamboja.\nCek dulu: /cek",
        targets=(Target("kota-pariaman", "Pariaman Utara"), Target("kota-pariaman")),
        language="en",
        scheduled_at=dt.datetime(2026, 12, 24, 9, 0, tzinfo=WIB),
        options=("Pernah lihat", "Belum pernah", "Tidak tahu"),
    )


def test_defaults_are_the_groups_own_region_everyone_and_now() -> None:
    made = compose("Info singkat.\n- bukan pilihan", REGIONS, PARIAMAN, False, NOW)
    assert isinstance(made, Composition)
    assert made.text == "Info singkat.\n- bukan pilihan"  # no "pilihan:": text
    assert made.targets == (Target("kota-pariaman"),) and made.language is None
    assert made.scheduled_at == NOW and made.options == ()
    province = compose("Info untuk semua.", REGIONS, EVERY, True, NOW)
    assert isinstance(province, Composition) and province.targets is None


def test_every_problem_is_named() -> None:
    made = compose(
        "\nwilayah: Lubuk Basung, semua, Padang\nbahasa: jawa\njadwal: 2026-12-01 09:00\n"
        "pilihan:\n- Ya",
        REGIONS,
        PARIAMAN,
        False,
        NOW,
    )
    assert isinstance(made, Refused)
    problems = "\n".join(made.problems)
    for expected in (
        "teks siaran kosong",
        "2–5 pilihan",
        "«Lubuk Basung» ada di Kabupaten Agam, di luar wilayah grup ini",
        "hanya grup provinsi",
        "«Padang» tidak dikenal",
        "bahasa «jawa»",
        "sudah lewat",
    ):
        assert expected in problems, problems


def test_who_a_campaign_reaches() -> None:
    def one(key: str, region: str | None, area: str | None, lang: str = "id") -> Listed:
        return Listed(key, "telegram", region, area, lang, None, None)

    people = [
        one("north", "kota-pariaman", "Pariaman Utara"),
        one("centre", "kota-pariaman", "Pariaman Tengah"),
        one("city", "kota-pariaman", None),
        one("skipped", None, None),
        one("agam", "kab-agam", "Lubuk Basung", "en"),
    ]

    def keys(reach: Reach) -> list[str]:
        return [s.key for s in chosen(people, reach, "kota-pariaman")]

    kecamatan = (Target("kota-pariaman", "Pariaman Utara"),)
    assert keys(Reach(kecamatan)) == ["north"]
    assert keys(Reach((Target("kota-pariaman"),))) == ["north", "centre", "city", "skipped"]
    assert keys(Reach(None)) == ["north", "centre", "city", "skipped", "agam"]
    assert keys(Reach(None, "en")) == ["agam"]
