"""Replies as WhatsApp messages: limits kept, nothing cut, typed text never formats."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from bot.channels.whatsapp.render import (
    MAX_BODY,
    MAX_TEXT,
    formatted,
    offered,
    plain,
    split,
    to_messages,
)
from bot.channels.whatsapp.updates import typed_command
from bot.flows.report import ACTION as FLOW_ACTION
from bot.messages import Button, Reply
from tests.fake_whatsapp import limit_problems


def as_request(message_dict: dict[str, object]) -> dict[str, object]:
    """The Cloud API body pywa builds for a rendered message (what the fake checks)."""
    kind, body = message_dict["kind"], message_dict["body"]
    options = message_dict["options"]
    assert isinstance(options, list)
    if kind in ("text", "numbered"):
        return {"type": "text", "text": {"body": body}}
    if kind == "buttons":
        buttons = [{"type": "reply", "reply": {"id": a, "title": t}} for t, a, _ in options]
        action: dict[str, object] = {"buttons": buttons}
    else:
        rows = [{"id": a, "title": t, **({"description": d} if d else {})} for t, a, d in options]
        action = {"button": message_dict["list_button"], "sections": [{"title": "x", "rows": rows}]}
    interactive_type = "button" if kind == "buttons" else "list"
    return {
        "type": "interactive",
        "interactive": {"type": interactive_type, "body": {"text": body}, "action": action},
    }


def buttons(labels: list[str]) -> tuple[tuple[Button, ...], ...]:
    return tuple((Button(label, f"topic:{n}"),) for n, label in enumerate(labels))


def test_three_short_buttons_are_reply_buttons() -> None:
    [message] = to_messages(Reply("Pilih:", buttons=buttons(["Ya", "Tidak", "Menu"])))
    assert message.kind == "buttons" and [o.title for o in message.options] == [
        "Ya",
        "Tidak",
        "Menu",
    ]


def test_a_long_label_makes_a_list_with_the_whole_label_as_description() -> None:
    label = "Apa bedanya P3MI resmi dan calo perorangan di kampung?"
    [message] = to_messages(Reply("Pilih:", buttons=buttons(["Ya", label])))
    assert message.kind == "list"
    row = message.options[1]
    assert len(row.title) <= 24 and row.description == label


def test_more_than_ten_choices_become_numbered_text() -> None:
    labels = [f"Topik nomor {n}" for n in range(1, 13)]
    [message] = to_messages(Reply("Pilih:", buttons=buttons(labels)))
    assert message.kind == "numbered" and "\n12. Topik nomor 12" in message.body
    assert len(message.options) == 12


def test_a_long_answer_is_split_not_cut_and_the_buttons_ride_on_a_short_last_part() -> None:
    paragraphs = [f"Paragraf {n}: " + "kata " * 150 for n in range(12)]
    reply = Reply("\n\n".join(paragraphs), title="Judul", buttons=buttons(["Ya", "Tidak"]))
    messages = to_messages(reply)
    assert len(messages) > 2
    assert all(len(m.body) <= MAX_TEXT for m in messages)
    assert len(messages[-1].body) <= MAX_BODY and messages[-1].kind == "buttons"
    joined = " ".join(" ".join(m.body.split()) for m in messages)
    for paragraph in paragraphs:
        assert " ".join(paragraph.split()) in joined


@given(st.text(max_size=9000), st.lists(st.text(min_size=1, max_size=80), max_size=14))
@example("", ["00000000000000000000 "])  # 20 characters and a space: was sent as 21
def test_any_reply_fits_whatsapps_limits(body: str, labels: list[str]) -> None:
    for message in to_messages(Reply(body, buttons=buttons(labels))):
        assert limit_problems(as_request(message.to_dict())) == [], message


@given(st.text(max_size=6000))
def test_split_keeps_every_word(body: str) -> None:
    pieces = split(body, 500)
    assert all(len(p) <= 500 for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(body.split())


def test_typed_markers_cannot_format_but_our_title_and_note_do() -> None:
    typed = "*PENTING* _baca_ ~coret~ `kode` ```blok```"
    shown = formatted(Reply(f"Anda menulis: {typed}", title="Ringkasan", note="Sumber: BP2MI"))
    assert shown.startswith("*Ringkasan*\n\n") and shown.endswith("_Sumber: BP2MI_")
    middle = shown.split("\n\n")[1]
    for marker in "*_~`":
        assert marker not in middle


def test_markers_inside_words_and_links_are_kept() -> None:
    assert (
        plain("https://bp2mi.go.id/p3mi_resmi dan 2*3") == "https://bp2mi.go.id/p3mi_resmi dan 2*3"
    )


def test_command_words_work_without_a_slash() -> None:
    assert typed_command("Lapor") == "/lapor"
    assert typed_command("  menu ") == "/menu"
    assert typed_command("status PRM-7KQ3-XT9D") == "/status PRM-7KQ3-XT9D"
    assert typed_command("cek gaji besar tanpa biaya") == "cek gaji besar tanpa biaya"
    assert typed_command("status visa saya bagaimana") == "status visa saya bagaimana"


@given(
    st.text(max_size=6000),
    st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=14),
)
def test_a_body_with_buttons_is_split_never_cut_and_extra_buttons_become_numbers(
    body: str, labels: list[str]
) -> None:
    reply = Reply(body, buttons=buttons(labels))
    messages = to_messages(reply)
    shown = "".join("".join(m.body for m in messages).split())
    assert shown.startswith("".join(formatted(reply).split()))  # every character, in order
    assert all(len(m.body) <= MAX_BODY for m in messages if m.kind in ("buttons", "list"))
    if len(labels) > 10:
        assert messages[-1].kind == "numbered" and len(messages[-1].options) == len(labels)
        for number, label in enumerate(labels, 1):
            assert f"{number}. " in "\n".join(m.body for m in messages)
            assert "".join(plain(label).split()) in shown
    else:
        assert messages[-1].kind in ("buttons", "list")


def test_right_after_an_automatic_move_the_question_names_ubah() -> None:
    """Issue 18's ✏️ Ubah jawaban is the flow's back press: typed as *ubah* on WhatsApp,
    beside the yes/no buttons (issue 21), not "kembali" for a previous question."""
    options = tuple((Button(label, f"{FLOW_ACTION}:opt:{label}"),) for label in ("Ya", "Tidak"))
    for back, word in (("✏️ Ubah jawaban", "*ubah*"), ("⬅️ Kembali", "*kembali*")):
        navigation = (
            Button(back, f"{FLOW_ACTION}:back"),
            Button("✖️ Batal", f"{FLOW_ACTION}:cancel"),
        )
        [message] = to_messages(Reply("5/9 Sudah berangkat?", buttons=(*options, navigation)))
        assert message.kind == "buttons" and word in message.body and "*batal*" in message.body
    navigation = (
        Button("✏️ Change answer", f"{FLOW_ACTION}:back"),
        Button("✖️ Cancel", f"{FLOW_ACTION}:cancel"),
    )
    [message] = to_messages(Reply("5/9 Left already?", buttons=(*options, navigation)))
    assert "type *change*" in message.body


def test_numbers_mean_the_last_choices_shown_not_an_older_list() -> None:
    listed = to_messages(Reply("Bagian mana?", buttons=buttons([f"Bagian {n}" for n in range(5)])))
    assert [o.action for o in offered(listed) or ()] == [f"topic:{n}" for n in range(5)]
    summary = to_messages(Reply("Periksa laporan", buttons=buttons(["✅ Kirim", "✏️ Ubah"])))
    assert offered(summary) == ()  # reply buttons carry no numbers: "1" presses nothing
    assert offered(to_messages(Reply("Tersimpan."))) is None  # no choices: the last ones hold
