"""A WhatsApp reporter turns case updates off ("berhenti", "stop") and on ("aktifkan",
"resume"), by typing or with the button the answer carries.

Only a whole message counts, so a question that mentions stopping is still a question;
small typos in the long words are forgiven ("berhnti", "aktifkn", "STOPPP"), the short
"stop" must be "stop" (one letter off is "stok", "step", "shop"). While a report is being
written "stop" and "berhenti" keep their meaning there: cancel the report.

"mulai"/"start" (the main menu) and "lanjut" (next step in a report) were taken: hence
"aktifkan"/"resume".
"""

from __future__ import annotations

import re

from rapidfuzz.distance import OSA

from bot.channels.whatsapp.preferences import UpdatePreferences
from bot.flows.replies import words_of
from bot.messages import Button, Incoming, Reply
from bot.reporting import REPORT_MODE
from bot.sessions import SessionStore
from bot.texts import text

OFF, ON = "off", "on"
ACTIONS = {f"updates:{OFF}": OFF, f"updates:{ON}": ON}  # the buttons' ids
# Typed phrase -> (what it does, the language it is written in; None: used in both).
PHRASES: dict[str, tuple[str, str | None]] = {
    **dict.fromkeys(("stop", "setop", "stop kabar", "stop notifikasi"), (OFF, None)),
    **dict.fromkeys(("stop update", "stop updates", "unsubscribe"), (OFF, "en")),
    **dict.fromkeys(
        ("berhenti", "berenti", "brenti", "berhenti kabar", "matikan kabar"), (OFF, "id")
    ),
    **dict.fromkeys(
        ("aktifkan", "aktifkan lagi", "aktifkan kabar", "hidupkan kabar", "nyalakan kabar"),
        (ON, "id"),
    ),
    **dict.fromkeys(("resume", "resume updates"), (ON, "en")),
}
FORGIVING = ("berhenti", "aktifkan", "resume")  # one typo allowed: long enough to be safe
_REPEATS = re.compile(r"(.)\1+")


def typed_switch(typed: str) -> tuple[str, str | None] | None:
    """(OFF or ON, the language it was typed in or None) when the whole message asks
    for it; None for anything else."""
    words = _REPEATS.sub(r"\1", words_of(typed))
    if words in PHRASES:
        return PHRASES[words]
    if " " in words or len(words) < 5:
        return None
    for phrase in FORGIVING:
        if OSA.distance(words, phrase, score_cutoff=1) <= 1:
            return PHRASES[phrase]
    return None


class UpdatesSwitch:
    def __init__(self, preferences: UpdatePreferences, sessions: SessionStore) -> None:
        self.preferences = preferences
        self.sessions = sessions

    async def wanted(self, incoming: Incoming) -> tuple[str, str] | None:
        """(OFF or ON, the answer's language) when `incoming` asks to switch."""
        found: tuple[str, str | None] | None
        if incoming.choice is not None:
            which = ACTIONS.get(incoming.choice)
            found = None if which is None else (which, None)
        else:
            found = None if incoming.attachments else typed_switch(incoming.text)
        if found is None:
            return None
        which, typed_in = found
        session = await self.sessions.get(incoming.user)
        if which == OFF and incoming.choice is None and session.mode == REPORT_MODE:
            return None  # "stop" inside a report: the report flow's cancel
        return which, session.language or typed_in or session.reply_language

    async def switch(self, user_id: str, which: str, lang: str) -> Reply:
        if which == OFF:
            await self.preferences.turn_off(user_id)
            again = Button(text("updates_on_button", lang), f"updates:{ON}")
            return Reply(text("updates_off", lang), buttons=((again,),))
        released = await self.preferences.turn_on(user_id)
        kept = text("updates_kept", lang, count=str(released)) if released else ""
        return Reply(text("updates_on", lang, kept=kept))
