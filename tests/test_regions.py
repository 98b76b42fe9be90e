"""The regions file (REGIONS_FILE): checked at start-up, one line per problem."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, ConfigError, Settings
from bot.knowledge import KnowledgeBase
from bot.messages import Incoming, UserKey
from bot.places import Found, Place, PlaceFinder
from bot.runtime import open_services
from tests.conftest import run_main

BAD = """\
default_region: kota-padang
province_chat_id: -100777
regions:
  - id: kota-pariaman
    name: Kota Pariaman
    code_prefix: PRM
    officials_chat_id: -100111
    official_user_ids: [4242]
    places: [Pariaman Utara, Pariaman Tengah, pariaman utara]
  - id: kabupaten-agam
    name: Kabupaten Agam
    code_prefix: agm
    official_user_ids: [5151]
    places: [Lubuk Basung]
  - id: kota-pariaman
    name: Kota Pariaman lagi
    code_prefix: PRM
    officials_chat_id: -100777
    places: [Naras]
"""


def start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
    environ["DATABASE_PATH"] = str(Path(tempfile.mkdtemp()) / "cli.sqlite3")
    return run_main("ask", "halo", env={**environ, **env}, stdin="")


def test_a_bad_regions_file_is_refused_at_start_up_with_one_line_per_problem(
    tmp_path: Path,
) -> None:
    path = tmp_path / "regions.yaml"
    path.write_text(BAD, encoding="utf-8")
    result = start({"REGIONS_FILE": str(path)})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert "7 problem(s)" in lines[0]
    problems = [line.strip() for line in lines[1:]]
    expected = [
        "region kota-pariaman: places: pariaman utara is listed twice",
        "region kabupaten-agam: code_prefix must be 2 to 5 capital letters",
        "region kabupaten-agam: officials_chat_id: missing",
        "region kota-pariaman: id used by another region too",
        "region kota-pariaman: code_prefix PRM is also kota-pariaman's",
        "default_region: 'kota-padang' is not the id of any region",
        "province_chat_id: is also kota-pariaman's officials_chat_id",
    ]
    assert len(problems) == len(expected)
    for problem, wanted in zip(problems, expected, strict=True):
        assert wanted in problem, problem
    assert "Traceback" not in result.stderr
    assert not result.stdout  # nothing ran


@pytest.mark.parametrize(
    ("content", "wanted"),
    [
        ("regions: [\n  - id: x\n", "line 2 is not valid YAML"),
        ("- just a list\n", "expected a mapping with default_region and regions"),
        ("default_region: x\nregions: []\n", "regions: must be a list of at least one region"),
    ],
)
def test_a_malformed_regions_file_is_named_in_one_line(
    tmp_path: Path, content: str, wanted: str
) -> None:
    path = tmp_path / "regions.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        Settings.from_environ({"REGIONS_FILE": str(path)})
    assert wanted in str(error.value)


def test_the_example_file_is_valid_and_the_single_city_settings_make_one_region() -> None:
    example = Settings.from_environ(
        {"REGIONS_FILE": str(PROJECT_ROOT / "config" / "regions.example.yaml")}
    ).regions
    assert [r.id for r in example.regions] == ["kota-pariaman"]
    assert example.default.places[0] == "Pariaman Utara" and not example.many
    legacy = Settings.from_environ(
        {"OFFICIALS_CHAT_ID": "-100555", "OFFICIAL_USER_IDS": "7, 8", "CASE_CODE_PREFIX": "PRX"}
    ).regions
    [region] = legacy.regions
    assert region.officials_chat_id == -100555 and region.official_user_ids == {7, 8}
    assert region.code_prefix == "PRX" and region.places == example.default.places


def test_places_typed_with_typos_find_the_kecamatan_not_the_city() -> None:
    regions = Settings.from_environ({}).regions
    finder = PlaceFinder(regions)
    assert finder.find("pariaman utra").places == (
        Place("kota-pariaman", "Pariaman Utara", "Pariaman Utara"),
    )
    assert finder.find("sy tinggal di Pariaman Timur dkt pasar").places[0].kecamatan == (
        "Pariaman Timur"
    )
    assert finder.find("pariaman").places == (Place("kota-pariaman", None, "Kota Pariaman"),)
    assert finder.find("di luar daerah").outside
    assert finder.find("dekat pasar ikan") == Found()
    assert finder.find("").places == ()


TWO_REGIONS = """\
default_region: kota-pariaman
regions:
  - id: kota-pariaman
    name: Kota Pariaman
    code_prefix: PRM
    officials_chat_id: -100111
    places: [Pariaman Utara, Pariaman Tengah, Pariaman Selatan, Pariaman Timur]
  - id: kabupaten-dua
    name: Kabupaten Dua
    code_prefix: DUA
    officials_chat_id: -100222
    places: [Dua Hulu]
"""


async def answer_about_registering(tmp_path: Path, kb: KnowledgeBase, **env: str) -> str:
    settings = Settings.from_environ({"DATABASE_PATH": str(tmp_path / "bot.sqlite3"), **env})
    async with open_services(settings, kb) as services:
        question = Incoming(UserKey("console", "1", "1"), "syarat kerja ke luar negeri resmi")
        replies = await services.engine.handle(question)
    return "\n".join(reply.text for reply in replies)


async def test_a_neighbours_citizen_is_pointed_to_their_own_office_not_pariamans(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    alone = await answer_about_registering(tmp_path / "one", kb)
    assert "DPMPTSP-TK" in alone and "di luar Kota Pariaman" not in alone
    path = tmp_path / "regions.yaml"
    path.write_text(TWO_REGIONS, encoding="utf-8")
    shared = await answer_about_registering(tmp_path / "two", kb, REGIONS_FILE=str(path))
    assert "DPMPTSP-TK" in shared
    assert (
        "di luar Kota Pariaman: dinas yang mengurus tenaga kerja di kota/kabupaten Anda" in shared
    )
