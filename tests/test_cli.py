"""The command line as evaluation tools and officials use it: real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from bot import demo
from bot.config import Settings
from bot.storage import Database
from tests.conftest import run_main


def run(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
    environ["DATABASE_PATH"] = str(Path(tempfile.mkdtemp()) / "cli.sqlite3")
    environ.update(env or {})
    return run_main(*args, env=environ, stdin=stdin)


def test_ask_json_prints_one_object_per_line_in_the_stable_shape() -> None:
    result = run("ask", "--json", stdin="syarat jd tki apa aja\nresep rendang\n\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    records = [json.loads(line) for line in lines]
    for record in records:
        assert set(record) == {"question", "topic", "score", "alternatives", "answer"}
        assert 0 <= record["score"] <= 100
        assert isinstance(record["alternatives"], list)
    assert records[0]["topic"] == "syarat-bekerja"
    assert records[0]["question"] == "syarat jd tki apa aja"
    assert records[1]["topic"] is None
    assert "0800-1000" in records[1]["answer"]


def test_ask_prints_the_answer_as_a_user_sees_it() -> None:
    result = run("ask", "visa ziarah bs bwt kerja gk")
    assert result.returncode == 0
    assert "== " in result.stdout and "Sumber:" in result.stdout


def test_check_offer_json() -> None:
    text = "Loker admin Kamboja gaji 20jt, visa turis, berangkat cepat"
    result = run("check-offer", "--json", text)
    record = json.loads(result.stdout)
    assert record["level"] == "tinggi"
    assert record["signs"] and all(
        {"id", "weight", "explanation"} <= set(s) for s in record["signs"]
    )


def test_check_kb_passes_on_the_real_knowledge_base() -> None:
    result = run("check-kb")
    assert result.returncode == 0
    assert result.stdout.startswith("OK: ")
    assert len(result.stdout.strip().splitlines()) == 1


def test_check_kb_lists_problems_and_exits_1(kb_copy: Path) -> None:
    (kb_copy / "lexicon.yaml").write_text("words: [unclosed\n", encoding="utf-8")
    (kb_copy / "contacts.yaml").write_text("contacts: {}\n", encoding="utf-8")
    result = run("check-kb", env={"KNOWLEDGE_DIR": str(kb_copy)})
    assert result.returncode == 1
    assert "lexicon.yaml: cannot read YAML" in result.stdout
    assert "names unknown contact" in result.stdout
    assert "Traceback" not in result.stderr


def test_check_kb_checks_a_second_labellers_topics_as_the_first(kb_copy: Path) -> None:
    (kb_copy / "real-messages.yaml").write_text(
        'questions:\n  - q: "paspor sy ditahan agen"\n    accept: [paspor-ditahan]\n'
        '    second: [paspor-ditahn]\n    source: "https://example.com/a"\n',
        encoding="utf-8",
    )
    result = run("check-kb", env={"KNOWLEDGE_DIR": str(kb_copy)})
    assert result.returncode == 1
    assert "unknown topic 'paspor-ditahn' in 'second'" in result.stdout


def test_check_kb_names_the_written_questions_file_where_a_label_is_wrong(kb_copy: Path) -> None:
    with (kb_copy / "written-questions.yaml").open("a", encoding="utf-8") as file:
        file.write('  - q: "paspor sy ditahan agen"\n    accept: [paspor-ditahn]\n')
    result = run("check-kb", env={"KNOWLEDGE_DIR": str(kb_copy)})
    assert result.returncode == 1
    assert "written-questions.yaml: message #" in result.stdout
    assert "unknown topic 'paspor-ditahn' in 'accept'" in result.stdout


def test_eval_reports_accuracy_refusal_and_misses(tmp_path: Path) -> None:
    questions = tmp_path / "q.yaml"
    questions.write_text(
        'questions:\n  - q: "paspor sy ditahan agen"\n    expect: [paspor-ditahan]\n'
        '  - q: "resep rendang"\n    expect: []\n  - q: "halo"\n    expect: [visa]\n',
        encoding="utf-8",
    )
    result = run("eval", str(questions))
    assert result.returncode == 0, result.stderr
    assert "in-scope top-1 accuracy: 0.500 (1/2)" in result.stdout
    assert "out-of-scope refusal:    1.000 (1/1)" in result.stdout
    assert "expected visa" in result.stdout and "halo" in result.stdout


def test_eval_judges_the_bot_by_a_second_labeller_too_and_says_how_far_people_agree(
    tmp_path: Path,
) -> None:
    questions = tmp_path / "q.yaml"
    questions.write_text(
        # The labellers differ on the first two: a held passport the first labeller sees as a
        # withdrawal's trouble, a recipe the second finds loosely ours.
        'questions:\n  - q: "paspor sy ditahan agen"\n'
        "    accept: [mundur-sebelum-berangkat]\n    second: [paspor-ditahan]\n"
        '  - q: "resep rendang"\n    accept: [null]\n    second: [pulang, null]\n'
        '  - q: "halo min"\n    accept: [sapaan]\n',
        encoding="utf-8",
    )
    result = run("eval", str(questions))
    assert result.returncode == 0, result.stderr
    by_second, by_either, people = result.stdout.split("\n-- ")[1:4]
    assert by_second.startswith("the bot, judged by the second labeller (2 labelled twice)")
    assert "in-scope top-1 accuracy: 1.000 (2/2)" in by_second  # declining is right by it
    assert by_either.startswith("the bot, judged by either labeller")
    assert "in-scope top-1 accuracy: 1.000 (2/2)" in by_either
    assert people.startswith("the second labeller's own choices, judged by the first")
    assert "in-scope top-1 accuracy: 0.000 (0/1)" in people
    assert "out-of-scope refusal:    0.000 (0/1)" in people
    # the headline stays judged by `accept` alone
    assert result.stdout.count("in-scope top-1 accuracy: 0.500 (1/2)") == 1


def test_eval_without_files_reports_every_set_per_category_with_calibration() -> None:
    result = run("eval")
    assert result.returncode == 0, result.stderr
    assert "=== validation-questions.yaml" in result.stdout
    assert "=== fresh-questions.yaml" in result.stdout
    assert "=== fresh-questions-2.yaml" in result.stdout
    assert "=== fresh-questions-3.yaml" in result.stdout
    assert "=== fresh-questions-4.yaml" in result.stdout
    assert "=== real-messages-validation.yaml" in result.stdout
    assert "=== real-messages.yaml" in result.stdout
    assert "within one tap:" in result.stdout
    # the development set lives outside the repository: measured, or said to be missing
    assert "=== dev-questions.yaml" in result.stdout or "dev-questions.yaml: not measured" in (
        result.stdout
    )
    for category in ("short", "story", "statement", "plea", "lang:en", "lang:id"):
        assert f"\n{category} " in result.stdout
    assert "-- collected" in result.stdout and "-- written" in result.stdout
    assert "Maksud Anda" in result.stdout
    assert ">=  95:" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("eval", "/nonexistent/q.yaml"), "file not found"),
        (("ask",), "ask needs a question"),
        (("frobnicate",), "invalid choice"),
    ],
)
def test_errors_are_one_clear_line_without_traceback(args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_eval_with_bad_yaml_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("questions: [\n", encoding="utf-8")
    result = run("eval", str(bad))
    assert result.returncode == 2
    assert "invalid YAML" in result.stderr and "Traceback" not in result.stderr


def test_broken_knowledge_base_stops_the_bot_with_a_pointer_to_check_kb(kb_copy: Path) -> None:
    (kb_copy / "contacts.yaml").write_text("contacts: {}\n", encoding="utf-8")
    result = run("ask", "halo", env={"KNOWLEDGE_DIR": str(kb_copy)})
    assert result.returncode == 1
    assert "check-kb" in result.stderr and "Traceback" not in result.stderr


def test_run_without_token_starts_the_terminal_chat_and_says_so() -> None:
    result = run(stdin="gimana cara kerja ke malaysia yg resmi\n")
    assert result.returncode == 0
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr
    assert "Sumber:" in result.stdout


def test_half_configured_whatsapp_stops_start_up_naming_what_is_missing() -> None:
    env = {"WHATSAPP_TOKEN": "EAAsecret-token", "WHATSAPP_PHONE_ID": "106540352242922"}
    result = run(env=env)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "WHATSAPP_APP_SECRET" in line and "WHATSAPP_VERIFY_TOKEN" in line
    assert "WHATSAPP_TOKEN" not in line and "EAAsecret-token" not in line


def test_links_print_wa_me_links_that_start_a_report_or_an_offer_check() -> None:
    result = run("links", env={"WHATSAPP_NUMBER": "+62 812-3456-7890"})
    assert result.returncode == 0, result.stderr
    assert "https://wa.me/6281234567890?text=lapor" in result.stdout
    assert "https://wa.me/6281234567890?text=cek" in result.stdout
    assert "t.me" not in result.stdout  # no Telegram bot named: no Telegram links
    both = run("links", "--username", "migran_aman_bot", env={"WHATSAPP_NUMBER": "6281234567890"})
    assert "https://t.me/migran_aman_bot?start=lapor" in both.stdout
    assert "https://wa.me/6281234567890?text=lapor" in both.stdout
    # Posters inviting people to subscribe to the warnings (issue 20).
    assert "https://t.me/migran_aman_bot?start=langganan" in both.stdout
    assert "https://wa.me/6281234567890?text=langganan" in both.stdout


def test_ask_json_answers_each_line_through_the_chat_s_own_engine() -> None:
    """Issue 18: closings, the emergency answer by country, negation and the reply's
    language are the chat's, not only the matcher's; the shape stays the same."""
    lines = [
        "ok makasih",
        "thank you",
        "anak saya dikurung di rumah majikan di hongkong... nomor yg bisa dihubungi skrg apa??",
        "my sister is locked up by her employer in hong kong, who do I call?",
        "cara kerja ke malaysia yg gak ilegal",
        "🤔🤔🤔",
        "batal",
        "bantuan",
    ]
    result = run("ask", "--json", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in records] == lines
    assert all(set(r) == {"question", "topic", "score", "alternatives", "answer"} for r in records)
    thanks, english_thanks, hong_kong, english, negated, emoji, cancel, help_id = records
    assert thanks["topic"] in (None, "sapaan") and "Sama-sama" in thanks["answer"]
    assert len(thanks["answer"]) <= 500 and "You're welcome" in english_thanks["answer"]
    assert hong_kong["topic"] == "darurat" and hong_kong["answer"].startswith("Di Hong Kong")
    assert hong_kong["answer"].index("999") < hong_kong["answer"].index("110")
    assert english["answer"].startswith("In Hong Kong") and "999" in english["answer"]
    assert negated["topic"] in ("syarat-bekerja", "langkah-prosedural")
    assert emoji["topic"] is None and "/cek" in emoji["answer"]
    assert cancel["topic"] is None and "Tidak ada yang perlu dibatalkan" in cancel["answer"]
    assert "Yang bisa saya bantu" in help_id["answer"]


def test_check_offer_without_text_is_an_error_not_a_verdict() -> None:
    for args, stdin in ((("check-offer", ""), ""), (("check-offer",), "  \n")):
        result = run(*args, stdin=stdin)
        assert result.returncode == 2 and "RENDAH" not in result.stdout
        assert "check-offer needs" in result.stderr and "Traceback" not in result.stderr


async def test_database_commands_name_the_terminal_demo_s_database(tmp_path: Path) -> None:
    """Without a real key the terminal chat keeps its demo database under data/demo/:
    outbox and unanswered show it as the demo's, rotate-key names it, none says "no
    database yet" while it is there."""
    environ = {"DATABASE_PATH": str(tmp_path / "data" / "migran-aman.sqlite3")}
    settings = demo.demo_settings(Settings.from_environ(environ))
    database = await Database.open(settings.database_path)
    await database.close()
    for command in ("outbox", "unanswered", "rotate-key"):
        result = run(command, env=environ)
        assert result.returncode == 0, result.stderr
        assert "no database yet" not in result.stdout, command
        assert "demo" in result.stdout and str(settings.database_path) in result.stdout
    assert "outbox empty" in run("outbox", env=environ).stdout
    chat = run(stdin="", env=environ)  # the terminal chat's banner names the same folder
    assert f"(folder {settings.database_path.parent})" in chat.stdout
