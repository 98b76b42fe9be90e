"""The curated knowledge base: YAML files in knowledge/ turned into checked entries.

Officials edit the YAML; `python main.py check-kb` runs `load_knowledge` and
prints every problem at once, each naming the file, the entry and what is wrong.
The bot refuses to start on a knowledge base with problems: people act on
what it says, so a half-loaded answer is worse than none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from bot.countries import Country
from bot.normalize import Lexicon, clean, contains_phrase, normalize

LANGUAGES = ("id", "en")
# Answers longer than this do not fit a phone screen; editors aim for 700.
ANSWER_HARD_LIMIT = 1000
# What a phone shows before the reader scrolls: the answer's first screen must already say
# what to do or whom to call (a contact, a /command or a `ketik "..."` suggestion).
FIRST_SCREEN = 400
# Sources are read by citizens under every answer: each one a short line, all of them
# together a few lines (the law or the office and a date, not a news site's headline).
SOURCE_LIMIT = 100
SOURCES_LIMIT = 220

CONTACTS_FILE = "contacts.yaml"
LEXICON_FILE = "lexicon.yaml"
WARNING_SIGNS_FILE = "warning_signs.yaml"
OUT_OF_SCOPE_FILE = "out_of_scope.yaml"
# Messages real people wrote, labelled with the topics that would help them: the topic model
# learns from them (bot/scorer.py). Read only to train and by check-kb, never at a start
# from the cached model: it is the largest file here.
MESSAGES_FILE = "real-messages.yaml"
# Questions written from the topic list alone by writers who never saw the bot (helper
# sessions): they teach the model every topic in the question register, where real messages
# name some topics rarely. Read like MESSAGES_FILE; a missing `source` means "written".
WRITTEN_FILE = "written-questions.yaml"
TRAINING_FILES = (MESSAGES_FILE, WRITTEN_FILE)
# libyaml's safe parser where PyYAML was built with it (its wheels are): about thirty times
# faster than the pure-Python one, which had become most of a start-up.
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# `second`: a second, blind labeller's `accept`; measured against (bot/evaluation.py), and in
# the training files taught beside `accept` (bot/scorer.py).
MESSAGE_KEYS = {"q", "accept", "second", "category", "lang", "source", "note"}
COUNTRIES_FILE = "countries.yaml"
# The offer check's one threshold: from this total weight a verdict is TINGGI. Below it, any
# sign at all makes it SEDANG (bot/offers.py); a legal bar makes it TINGGI on its own.
RISK_LEVELS = ("tinggi",)

_CONTACT_PLACEHOLDER = re.compile(r"\{kontak:([^{}]*)\}")
# A phrase an answer tells the reader to type: ketik "darurat", type "emergency".
SUGGESTED_PHRASE = re.compile(r"\b(?:ketik|type)\s+[\"“]([^\"”]+)[\"”]", re.IGNORECASE)
# A command an answer names: /lapor, /cek, /lapor_hilang.
_COMMAND = re.compile(r"(?<![\w/])/[a-z_]+")
# Five or more digits, possibly split by spaces, dots or dashes: a phone number.
PHONE_LIKE = re.compile(r"(?<![\w/])\+?\d(?:[\s.\-]?\d){4,}")
_YEAR_RANGE = re.compile(r"^(19|20)\d\d[\s\-]+(19|20)\d\d$")  # "2019-2020" is no phone
_ID_FORMAT = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
# Editors' notes that must never reach a citizen: the facts sheet's name, bracketed
# tags such as "[verify]" or "[cek]", and to-do markers.
_INTERNAL_TAG = re.compile(
    r"facts\.md|\[\s*[a-z][a-z ?!]*\]|\b(?:TODO|FIXME|TBD|XXX)\b", re.IGNORECASE
)

Text = Mapping[str, str]  # language code -> text


@dataclass(frozen=True)
class Problem:
    file: str
    entry: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.entry}" if self.entry else self.file
        return f"{where}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge base has problems; `problems` lists all of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Contact:
    key: str
    name: Text
    value: Text  # a number or address; a description may differ by language
    source: str  # where the number was found, for whoever rechecks it
    reviewed: dt.date
    verify: bool = False
    # The office or programme behind the number, as an answer's source note names it to a
    # citizen (`source` may name the news site or old page it was found on); "": `source`.
    cite: str = ""
    # The city or regency a local office serves ("Kota Pariaman"); "" for national contacts.
    local: str = ""
    # Added after a local office when the bot serves other places too (bot.regions): people
    # from elsewhere are pointed to their own office, never sent to this one.
    elsewhere: Text | None = None
    # A confirmed contact to try when this one, still to be confirmed, does not connect: in a
    # crisis "please confirm" helps nobody, a second number does.
    fallback: Contact | None = None

    def render(self, lang: str, above: frozenset[str] = frozenset()) -> str:
        """ "Name: number". `above`: keys of contacts the same answer already shows higher
        up (a country's numbers first, bot/emergency.py): those are named, never repeated."""
        if self.key in above:
            return f"{self.name[lang]}, {'nomornya di atas' if lang == 'id' else 'number above'}"
        text = f"{self.name[lang]}: {self.value[lang]}"
        if self.verify and self.fallback is not None:
            if_not = (
                "bila tidak tersambung, hubungi" if lang == "id" else "if it does not connect, call"
            )
            text += f" ({if_not} {self.fallback.render(lang, above)})"
        elif self.verify:
            text += " (mohon konfirmasi ulang)" if lang == "id" else " (please confirm)"
        if self.elsewhere is not None:
            text += f" ({self.elsewhere[lang]})"
        return text

    @property
    def shown_keys(self) -> frozenset[str]:
        """The contacts whose numbers its rendering shows: itself and its fallback's."""
        if self.verify and self.fallback is not None:
            return self.fallback.shown_keys | {self.key}
        return frozenset({self.key})

    @property
    def is_phone(self) -> bool:
        return bool(PHONE_LIKE.search(self.value["id"])) or self.value["id"].isdigit()


@dataclass(frozen=True)
class Entry:
    id: str
    group: str
    file: str
    title: Text
    answer: Text
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    related: tuple[str, ...]
    sources: tuple[Text, ...]  # each a citation in both languages
    reviewed: dt.date
    verify_note: str | None = None
    # Phrases that decide the topic wherever they appear ("dikurung" -> darurat).
    triggers: tuple[str, ...] = ()
    # Words that decide the topic when the message holds nothing else ("halo", "menu").
    standalone: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    id: str
    title: Text
    entry_ids: tuple[str, ...]
    order: int = 0  # position in the main menu


@dataclass(frozen=True)
class WarningSign:
    id: str
    weight: int
    phrases: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    explanation: Text
    title: Text  # one short line for the phone-sized verdict; the explanation sits behind a button
    # What the law forbids (a closed route, an under-age worker, a held passport, a visa that
    # is not a work visa, fees the law puts on others): TINGGI on its own, whatever else.
    bar: bool = False


@dataclass(frozen=True)
class KnowledgeBase:
    entries: Mapping[str, Entry]
    groups: tuple[Group, ...]
    contacts: Mapping[str, Contact]
    lexicon: Lexicon
    warning_signs: tuple[WarningSign, ...]
    risk_levels: Mapping[str, int] = field(default_factory=dict)
    # Everyday questions the bot must decline ("resep rendang", "jadwal timnas").
    out_of_scope: tuple[str, ...] = ()
    directory: Path | None = None  # where it was loaded from (the training messages live there)
    # Destination countries as people name them, and the contacts to show first there.
    countries: tuple[Country, ...] = ()

    def render_answer(self, entry: Entry, lang: str) -> str:
        return render_contacts(entry.answer[lang], self.contacts, lang)


def render_contacts(
    text: str, contacts: Mapping[str, Contact], lang: str, above: frozenset[str] = frozenset()
) -> str:
    return _CONTACT_PLACEHOLDER.sub(lambda m: contacts[m.group(1)].render(lang, above), text)


def placeholders(text: str) -> list[str]:
    """The contact keys a text names with {kontak:KEY}, in order."""
    return _CONTACT_PLACEHOLDER.findall(text)


def serving_places(kb: KnowledgeBase, places: Iterable[str]) -> KnowledgeBase:
    """The knowledge base for a bot that serves these cities/regencies: a local office
    of one place (the DPMPTSP-TK of Kota Pariaman) tells everyone else to go to their own
    city's or regency's office instead, since the bot cannot know where a questioner lives."""
    served = {place.casefold() for place in places}
    contacts = {
        key: replace(contact, elsewhere=_elsewhere(contact.local))
        if contact.local and served - {contact.local.casefold()}
        else contact
        for key, contact in kb.contacts.items()
    }
    return replace(kb, contacts=contacts)


def _elsewhere(home: str) -> Text:
    return {
        "id": f"di luar {home}: dinas yang mengurus tenaga kerja di kota/kabupaten Anda",
        "en": f"outside {home}: the office for manpower in your own city or regency",
    }


# --- loading ---------------------------------------------------------------------------

ENTRY_KEYS = {
    "id",
    "title",
    "answer",
    "questions",
    "keywords",
    "related",
    "sources",
    "reviewed",
    "triggers",
    "standalone",
}
ENTRY_REQUIRED = ENTRY_KEYS - {"keywords", "triggers", "standalone"}
CONTACT_KEYS = {"name", "value", "source", "cite", "reviewed", "verify", "local", "fallback"}
SIGN_KEYS = {"id", "weight", "title", "phrases", "patterns", "explanation", "bar"}
COUNTRY_KEYS = {"id", "name", "names", "contacts"}


class _Collector:
    """Gathers problems so that one run of check-kb reports them all."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, entry: str | None, message: str) -> None:
        self.problems.append(Problem(file, entry, message))


def load_knowledge(directory: Path) -> KnowledgeBase:
    """Load and check every file; raise KnowledgeError listing all problems."""
    report = _Collector()
    if not directory.is_dir():
        raise KnowledgeError([Problem(str(directory), None, "folder not found")])
    documents = {
        path.name: _read_yaml(path, report)
        for path in sorted(directory.glob("*.yaml"))
        if path.name not in TRAINING_FILES
    }

    contacts = _load_contacts(documents.pop(CONTACTS_FILE, None), report)
    lexicon = _load_lexicon(documents.pop(LEXICON_FILE, None), report)
    signs, levels = _load_warning_signs(documents.pop(WARNING_SIGNS_FILE, None), report)
    out_of_scope = _load_out_of_scope(documents.pop(OUT_OF_SCOPE_FILE, None), report)
    countries = _load_countries(documents.pop(COUNTRIES_FILE, None), contacts, report)
    entries: dict[str, Entry] = {}
    groups: list[Group] = []
    for name, document in documents.items():
        group = _load_group(name, document, entries, report)
        if group is not None:
            groups.append(group)
    if not entries and not report.problems:
        report.add(str(directory), None, "no topic files (*.yaml with group: and entries:)")
    _check_links(entries, contacts, report)
    _check_suggestions(entries, lexicon, report)
    if report.problems:
        raise KnowledgeError(report.problems)
    return KnowledgeBase(
        entries=entries,
        groups=tuple(sorted(groups, key=lambda group: group.order)),
        contacts=contacts,
        lexicon=lexicon,
        warning_signs=signs,
        risk_levels=levels,
        out_of_scope=out_of_scope,
        directory=directory,
        countries=countries,
    )


def _read_yaml(path: Path, report: _Collector) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except UnicodeDecodeError:
        report.add(path.name, None, "not UTF-8 text")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(error, "problem", None) or "invalid YAML"
        report.add(path.name, None, f"cannot read YAML{where}: {reason}")
    except OSError as error:
        report.add(path.name, None, f"cannot open: {error.strerror}")
    return None


def _mapping_items(value: Any, file: str, what: str, report: _Collector) -> Iterator[Any]:
    if value is None:
        return
    if not isinstance(value, list):
        report.add(file, None, f"'{what}' must be a list")
        return
    yield from value


def _text(value: Any, file: str, entry: str, key: str, report: _Collector) -> dict[str, str]:
    """A {id: ..., en: ...} pair; both languages are required."""
    if not isinstance(value, dict):
        report.add(file, entry, f"'{key}' must have 'id' and 'en' texts")
        return {lang: "" for lang in LANGUAGES}
    for extra in sorted(set(value) - set(LANGUAGES), key=str):
        report.add(file, entry, f"'{key}' has unknown language '{extra}'")
    out = {}
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            report.add(file, entry, f"'{key}' is missing the '{lang}' translation")
            text = ""
        out[lang] = text.strip()
    return out


def _strings(value: Any, file: str, entry: str, key: str, report: _Collector) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        report.add(file, entry, f"'{key}' must be a list of texts")
        return ()
    return tuple(str(v).strip() for v in value if str(v).strip())


def _sources(value: Any, file: str, entry: str, report: _Collector) -> tuple[Text, ...]:
    """Each source a citation: one text for both languages, or an {id: ..., en: ...} pair."""
    if value is None:
        return ()
    if not isinstance(value, list):
        report.add(file, entry, "'sources' must be a list")
        return ()
    out: list[Text] = []
    for position, item in enumerate(value, start=1):
        if isinstance(item, str | int) and str(item).strip():
            out.append({lang: str(item).strip() for lang in LANGUAGES})
        elif isinstance(item, dict):
            out.append(_text(item, file, entry, f"sources #{position}", report))
        else:
            report.add(file, entry, f"'sources' #{position} must be a text or {{id: ..., en: ...}}")
    return tuple(out)


def _date(value: Any, file: str, entry: str, report: _Collector) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        report.add(file, entry, f"'reviewed' must be a date like 2026-11-28, not {value!r}")
        return dt.date.min


def _reviewed(value: Any, file: str, entry: str, report: _Collector) -> tuple[dt.date, str | None]:
    """`reviewed: 2026-11-28`, or `{date: ..., verify: "what to confirm"}`."""
    if isinstance(value, dict):
        for extra in sorted(set(value) - {"date", "verify"}, key=str):
            report.add(file, entry, f"'reviewed' has unknown key '{extra}'")
        note = value.get("verify")
        if not isinstance(note, str) or not note.strip():
            report.add(file, entry, "'reviewed.verify' must say what is still to confirm")
            note = None
        return _date(value.get("date"), file, entry, report), note
    return _date(value, file, entry, report), None


def _load_group(
    file: str, document: Any, entries: dict[str, Entry], report: _Collector
) -> Group | None:
    if document is None:
        return None  # unreadable; already reported
    if not isinstance(document, dict) or "entries" not in document:
        report.add(file, None, "a topic file needs 'group:' and 'entries:'")
        return None
    for extra in sorted(set(document) - {"group", "entries"}, key=str):
        report.add(file, None, f"unknown key '{extra}'")
    raw_group = document.get("group")
    if not isinstance(raw_group, dict) or not isinstance(raw_group.get("id"), str):
        report.add(file, None, "'group' needs an 'id' and a 'title'")
        raw_group = {"id": file.removesuffix(".yaml"), "title": None}
    group_id = raw_group["id"]
    group_title = _text(raw_group.get("title"), file, f"group {group_id}", "title", report)
    order = raw_group.get("order", 0)
    if not isinstance(order, int):
        report.add(file, None, "'group.order' must be a whole number")
        order = 0
    ids = []
    for position, raw in enumerate(_mapping_items(document["entries"], file, "entries", report)):
        entry = _load_entry(file, group_id, position, raw, report)
        if entry is None:
            continue
        if entry.id in entries:
            report.add(file, entry.id, f"duplicate id (also in {entries[entry.id].file})")
            continue
        entries[entry.id] = entry
        ids.append(entry.id)
    return Group(id=group_id, title=group_title, entry_ids=tuple(ids), order=order)


def _load_entry(file: str, group: str, position: int, raw: Any, report: _Collector) -> Entry | None:
    if not isinstance(raw, dict):
        report.add(file, f"entry #{position + 1}", "must be a mapping of keys")
        return None
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not _ID_FORMAT.match(entry_id):
        message = f"'id' must be like 'cek-agensi', not {entry_id!r}"
        report.add(file, f"entry #{position + 1}", message)
        return None
    for extra in sorted(set(raw) - ENTRY_KEYS, key=str):
        report.add(file, entry_id, f"unknown key '{extra}'")
    for missing in sorted(ENTRY_REQUIRED - set(raw)):
        report.add(file, entry_id, f"missing '{missing}'")
    reviewed, verify_note = _reviewed(raw.get("reviewed"), file, entry_id, report)
    entry = Entry(
        id=entry_id,
        group=group,
        file=file,
        title=_text(raw.get("title"), file, entry_id, "title", report),
        answer=_text(raw.get("answer"), file, entry_id, "answer", report),
        questions=_strings(raw.get("questions"), file, entry_id, "questions", report),
        keywords=_strings(raw.get("keywords"), file, entry_id, "keywords", report),
        related=_strings(raw.get("related"), file, entry_id, "related", report),
        sources=_sources(raw.get("sources"), file, entry_id, report),
        reviewed=reviewed,
        verify_note=verify_note,
        triggers=_strings(raw.get("triggers"), file, entry_id, "triggers", report),
        standalone=_strings(raw.get("standalone"), file, entry_id, "standalone", report),
    )
    if "questions" in raw and not entry.questions:
        report.add(file, entry_id, "'questions' needs at least one example question")
    if "sources" in raw and not entry.sources:
        report.add(file, entry_id, "'sources' needs at least one source")
    return entry


def _load_contacts(document: Any, report: _Collector) -> dict[str, Contact]:
    file = CONTACTS_FILE
    if document is None:
        report.add(file, None, "missing or empty: answers cannot name any contact")
        return {}
    raw_contacts = document.get("contacts") if isinstance(document, dict) else None
    if not isinstance(raw_contacts, dict):
        report.add(file, None, "needs a 'contacts:' mapping of key -> contact")
        return {}
    contacts = {}
    for key, raw in raw_contacts.items():
        key = str(key)
        if not isinstance(raw, dict):
            report.add(file, key, "must be a mapping with name, value, source, reviewed")
            continue
        for extra in sorted(set(raw) - CONTACT_KEYS, key=str):
            report.add(file, key, f"unknown key '{extra}'")
        for missing in sorted({"name", "value", "source", "reviewed"} - set(raw)):
            report.add(file, key, f"missing '{missing}'")
        contacts[key] = Contact(
            key=key,
            name=_text(raw.get("name"), file, key, "name", report),
            value=_contact_value(raw.get("value"), key, report),
            source=str(raw.get("source", "")).strip(),
            reviewed=_date(raw.get("reviewed"), file, key, report),
            verify=bool(raw.get("verify", False)),
            local=str(raw.get("local") or "").strip(),
            cite=str(raw.get("cite") or "").strip(),
        )
    return _with_fallbacks(raw_contacts, contacts, report)


def _with_fallbacks(
    raw_contacts: dict[Any, Any], contacts: dict[str, Contact], report: _Collector
) -> dict[str, Contact]:
    """Link each `fallback: KEY` to its contact: a confirmed one, never itself to be
    confirmed. A phone number still to be confirmed must have one."""
    file = CONTACTS_FILE
    linked = {}
    for key, contact in contacts.items():
        raw = raw_contacts.get(key)
        wanted = str(raw.get("fallback") or "").strip() if isinstance(raw, dict) else ""
        fallback = contacts.get(wanted)
        if wanted and fallback is None:
            report.add(file, key, f"'fallback' names unknown contact '{wanted}'")
        elif fallback is not None and (fallback.verify or wanted == key):
            report.add(file, key, f"'fallback' must be a confirmed contact, not '{wanted}'")
            fallback = None
        elif wanted and not contact.verify:
            report.add(file, key, "'fallback' is only for a contact marked verify: true")
        if contact.verify and contact.is_phone and not wanted:
            report.add(
                file,
                key,
                "a number still to confirm needs 'fallback: KEY', a confirmed number to try "
                "when it does not connect",
            )
        linked[key] = replace(contact, fallback=fallback)
    return linked


def _contact_value(value: Any, key: str, report: _Collector) -> dict[str, str]:
    """One string for both languages (a number), or an {id, en} pair (a description)."""
    if isinstance(value, str | int) and str(value).strip():
        return {lang: str(value).strip() for lang in LANGUAGES}
    return _text(value, CONTACTS_FILE, key, "value", report)


def _load_lexicon(document: Any, report: _Collector) -> Lexicon:
    if document is None:
        return Lexicon()
    words = document.get("words") if isinstance(document, dict) else None
    if not isinstance(words, dict):
        report.add(LEXICON_FILE, None, "needs a 'words:' mapping of typed word -> meaning")
        return Lexicon()
    clean_words = {}
    for key, value in words.items():
        if not isinstance(value, str | int) or not str(value).strip():
            report.add(LEXICON_FILE, str(key), "needs a replacement word")
            continue
        clean_words[str(key)] = str(value)
    return Lexicon.from_mapping(clean_words)


def _load_out_of_scope(document: Any, report: _Collector) -> tuple[str, ...]:
    if document is None:
        return ()
    if not isinstance(document, dict) or set(document) != {"questions"}:
        report.add(OUT_OF_SCOPE_FILE, None, "needs exactly one key, 'questions:'")
        return ()
    return _strings(document["questions"], OUT_OF_SCOPE_FILE, "questions", "questions", report)


def _load_countries(
    document: Any, contacts: Mapping[str, Contact], report: _Collector
) -> tuple[Country, ...]:
    """countries.yaml: optional; without it no answer names a country's own numbers."""
    file = COUNTRIES_FILE
    if document is None:
        return ()
    if not isinstance(document, dict) or set(document) != {"countries"}:
        report.add(file, None, "needs exactly one key, 'countries:'")
        return ()
    countries: list[Country] = []
    owner: dict[str, str] = {}  # a typed name -> the country it already means
    for position, raw in enumerate(
        _mapping_items(document["countries"], file, "countries", report)
    ):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            report.add(file, f"country #{position + 1}", "needs an 'id'")
            continue
        country_id = raw["id"]
        if not _ID_FORMAT.match(country_id):
            report.add(file, country_id, "'id' must be lower-case words joined by -")
        if any(c.id == country_id for c in countries):
            report.add(file, country_id, "duplicate id")
        for extra in sorted(set(raw) - COUNTRY_KEYS, key=str):
            report.add(file, country_id, f"unknown key '{extra}'")
        names = []
        for typed in _strings(raw.get("names"), file, country_id, "names", report):
            name = clean(typed)
            if name in owner:
                report.add(file, country_id, f"'names': {typed!r} is also {owner[name]}'s")
            elif name:
                owner[name] = country_id
                names.append(name)
        if not names:
            report.add(file, country_id, "'names' needs at least one name people type")
        keys = _strings(raw.get("contacts"), file, country_id, "contacts", report)
        for key in keys:
            if key not in contacts:
                report.add(file, country_id, f"'contacts' names unknown contact '{key}'")
        countries.append(
            Country(
                country_id,
                _text(raw.get("name"), file, country_id, "name", report),
                tuple(names),
                tuple(key for key in keys if key in contacts),
            )
        )
    return tuple(countries)


def _load_warning_signs(
    document: Any, report: _Collector
) -> tuple[tuple[WarningSign, ...], dict[str, int]]:
    file = WARNING_SIGNS_FILE
    if document is None:
        report.add(file, None, "missing or empty: the offer check has nothing to look for")
        return (), {}
    if not isinstance(document, dict):
        report.add(file, None, "needs 'levels:' and 'signs:'")
        return (), {}
    levels = document.get("levels")
    if not isinstance(levels, dict) or set(levels) != set(RISK_LEVELS):
        report.add(file, None, "'levels' must give the total weight for 'tinggi' (only that)")
        levels = {}
    elif not all(isinstance(v, int) and v > 0 for v in levels.values()):
        report.add(file, None, "'levels' must be whole numbers above 0")
    signs = []
    seen: set[str] = set()
    for position, raw in enumerate(_mapping_items(document.get("signs"), file, "signs", report)):
        sign = _load_sign(position, raw, report)
        if sign is None:
            continue
        if sign.id in seen:
            report.add(file, sign.id, "duplicate id")
        seen.add(sign.id)
        signs.append(sign)
    return tuple(signs), dict(levels)


def _load_sign(position: int, raw: Any, report: _Collector) -> WarningSign | None:
    file = WARNING_SIGNS_FILE
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        report.add(file, f"sign #{position + 1}", "needs an 'id'")
        return None
    sign_id = raw["id"]
    for extra in sorted(set(raw) - SIGN_KEYS, key=str):
        report.add(file, sign_id, f"unknown key '{extra}'")
    weight = raw.get("weight")
    if not isinstance(weight, int) or not 1 <= weight <= 10:
        report.add(file, sign_id, "'weight' must be a whole number from 1 to 10")
        weight = 1
    patterns = []
    for pattern in _strings(raw.get("patterns"), file, sign_id, "patterns", report):
        try:
            patterns.append(re.compile(pattern))
        except re.error as error:
            report.add(file, sign_id, f"pattern {pattern!r} is not a valid regex: {error}")
    phrases = _strings(raw.get("phrases"), file, sign_id, "phrases", report)
    if not phrases and not patterns:
        report.add(file, sign_id, "needs 'phrases' or 'patterns' to look for")
    bar = raw.get("bar", False)
    if not isinstance(bar, bool):
        report.add(file, sign_id, "'bar' must be true or false")
        bar = False
    return WarningSign(
        id=sign_id,
        weight=weight,
        phrases=phrases,
        patterns=tuple(patterns),
        explanation=_text(raw.get("explanation"), file, sign_id, "explanation", report),
        title=_text(raw.get("title"), file, sign_id, "title", report),
        bar=bar,
    )


def _check_links(
    entries: Mapping[str, Entry], contacts: Mapping[str, Contact], report: _Collector
) -> None:
    """Cross-entry rules: related ids exist, contacts exist, no raw numbers, length, what to
    do in the first screen, short sources."""
    for entry in entries.values():
        where = entry.file
        _check_internal_tags(entry, report)
        for related in entry.related:
            if related not in entries:
                report.add(where, entry.id, f"'related' names unknown topic '{related}'")
            elif related == entry.id:
                report.add(where, entry.id, "'related' names the entry itself")
        for lang in LANGUAGES:
            answer = entry.answer[lang]
            unknown = [k for k in _CONTACT_PLACEHOLDER.findall(answer) if k not in contacts]
            for key in unknown:
                report.add(where, entry.id, f"answer ({lang}) names unknown contact '{key}'")
            for number in _raw_numbers(_CONTACT_PLACEHOLDER.sub("", answer), contacts):
                report.add(
                    where,
                    entry.id,
                    f"answer ({lang}) holds the raw number {number!r}; "
                    "put it in contacts.yaml and write {kontak:KEY}",
                )
            if not unknown:
                length = len(render_contacts(answer, contacts, lang))
                if length > ANSWER_HARD_LIMIT:
                    report.add(
                        where,
                        entry.id,
                        f"answer ({lang}) is {length} characters; the limit is "
                        f"{ANSWER_HARD_LIMIT} (aim for 700)",
                    )
                _check_first_screen(entry, lang, contacts, report)
        _check_source_lengths(entry, report)


def _check_first_screen(
    entry: Entry, lang: str, contacts: Mapping[str, Contact], report: _Collector
) -> None:
    """What to do comes first: a phone shows about FIRST_SCREEN characters before the
    reader scrolls, and someone in trouble may read no further."""
    answer = entry.answer[lang]
    starts = [
        match.start()
        for pattern in (_CONTACT_PLACEHOLDER, _COMMAND, SUGGESTED_PHRASE)
        for match in pattern.finditer(answer)
    ]
    first = len(render_contacts(answer[: min(starts)], contacts, lang)) if starts else None
    if first is None or first > FIRST_SCREEN:
        report.add(
            entry.file,
            entry.id,
            f'answer ({lang}) names no contact, /command or ketik "..." in its first '
            f"{FIRST_SCREEN} characters; say what to do or whom to call first",
        )


def _check_source_lengths(entry: Entry, report: _Collector) -> None:
    for lang in LANGUAGES:
        for position, source in enumerate(entry.sources, start=1):
            if len(source[lang]) > SOURCE_LIMIT:
                report.add(
                    entry.file,
                    entry.id,
                    f"source #{position} ({lang}) is {len(source[lang])} characters; the limit "
                    f"is {SOURCE_LIMIT}: name the law or the office and the date, not a headline",
                )
        total = len("; ".join(source[lang] for source in entry.sources))
        if total > SOURCES_LIMIT:
            report.add(
                entry.file,
                entry.id,
                f"sources ({lang}) are {total} characters together; the limit is {SOURCES_LIMIT}",
            )


def route_of(phrase: str, entries: Mapping[str, Entry], lexicon: Lexicon) -> str | None:
    """The topic a message made of only `phrase` reaches by the matcher's fixed rules: a
    danger trigger anywhere in it, else standalone phrases of one topic and nothing else
    (as bot.matching.Matcher does; tests hold the two together). None: only the ranking
    could place it, which check-kb cannot promise."""
    typed = normalize(phrase, lexicon)
    for entry in entries.values():
        for trigger in entry.triggers:
            if contains_phrase(typed, normalize(trigger, lexicon)):
                return entry.id
    standalone = sorted(
        (
            (normalize(word, lexicon), entry.id)
            for entry in entries.values()
            for word in entry.standalone
        ),
        key=lambda item: -len(item[0]),
    )
    rest, topics = f" {typed} ", set()
    for word, topic in standalone:
        if f" {word} " in rest:
            rest = rest.replace(f" {word} ", " ")
            topics.add(topic)
    return topics.pop() if len(topics) == 1 and not rest.strip() else None


def _check_suggestions(entries: Mapping[str, Entry], lexicon: Lexicon, report: _Collector) -> None:
    """Every `ketik "..."` an answer suggests reaches another topic, the one that lists it."""
    for entry in entries.values():
        for lang in LANGUAGES:
            for phrase in SUGGESTED_PHRASE.findall(entry.answer[lang]):
                reached = route_of(phrase, entries, lexicon)
                typed = normalize(phrase, lexicon)
                listed = [
                    other.id
                    for other in entries.values()
                    if typed
                    in {normalize(word, lexicon) for word in (*other.standalone, *other.triggers)}
                ]
                if reached is None:
                    problem = "reaches no topic: add it to the 'standalone' of the topic it means"
                elif reached == entry.id:
                    problem = "leads back to this same answer"
                elif listed and reached not in listed:
                    problem = f"reaches '{reached}', not '{listed[0]}' that lists it"
                else:
                    continue
                report.add(
                    entry.file,
                    entry.id,
                    f'answer ({lang}) suggests typing "{phrase}", which {problem}',
                )


def _check_internal_tags(entry: Entry, report: _Collector) -> None:
    """Sources, titles and answers are read by citizens: no editors' tags in them."""
    shown: list[tuple[str, str]] = []
    for position, source in enumerate(entry.sources, start=1):
        if source["id"] == source["en"]:
            shown.append((f"source #{position}", source["id"]))
        else:
            shown += [(f"source #{position} ({lang})", source[lang]) for lang in LANGUAGES]
    shown += [(f"title ({lang})", entry.title[lang]) for lang in LANGUAGES]
    shown += [(f"answer ({lang})", entry.answer[lang]) for lang in LANGUAGES]
    for where, shown_text in shown:
        for tag in dict.fromkeys(_INTERNAL_TAG.findall(shown_text)):
            report.add(
                entry.file,
                entry.id,
                f"{where} shows the internal tag {tag!r} to citizens; cite the public "
                "source instead, and put what is still to confirm in reviewed.verify",
            )


def _raw_numbers(text: str, contacts: Mapping[str, Contact]) -> list[str]:
    """Phone-like numbers, and short hotlines such as 110 that contacts.yaml holds."""
    found = [m.strip() for m in PHONE_LIKE.findall(text) if not _YEAR_RANGE.match(m.strip())]
    for contact in contacts.values():
        value = contact.value["id"]
        if value.isdigit() and re.search(rf"(?<![\w.]){value}(?!\w|\.\d)", text):
            found.append(value)
    return found


# --- the training messages ---------------------------------------------------------------


@dataclass(frozen=True)
class LabelledMessage:
    """A message a person wrote and the topics whose answers would help them, best first;
    None: declining is acceptable (alone: the bot must decline)."""

    text: str
    accept: tuple[str | None, ...]
    second: tuple[str | None, ...] = ()  # the second labeller's `accept` (empty: none)


def load_messages(kb: KnowledgeBase) -> tuple[LabelledMessage, ...]:
    """The training messages beside the knowledge base (none when it has no folder or
    files); raise KnowledgeError listing every problem."""
    report = _Collector()
    messages = []
    for path in messages_paths(kb):
        document = _read_yaml(path, report)
        items = document.get("questions") if isinstance(document, dict) else None
        if not isinstance(items, list):
            if not any(problem.file == path.name for problem in report.problems):
                report.add(path.name, None, "needs a 'questions:' list")
            continue
        for number, item in enumerate(items, start=1):
            message = _load_message(path.name, number, item, kb.entries, report)
            if message is not None:
                messages.append(message)
    if report.problems:
        raise KnowledgeError(report.problems)
    return tuple(messages)


def messages_paths(kb: KnowledgeBase) -> tuple[Path, ...]:
    """The training files that exist, real messages first."""
    if kb.directory is None:
        return ()
    return tuple(kb.directory / name for name in TRAINING_FILES if (kb.directory / name).is_file())


def _load_message(
    file: str, number: int, item: Any, entries: Mapping[str, Entry], report: _Collector
) -> LabelledMessage | None:
    where = f"message #{number}"
    if not isinstance(item, dict) or not isinstance(item.get("q"), str) or not item["q"].strip():
        report.add(file, where, "needs a 'q' text")
        return None
    for key in sorted(set(item) - MESSAGE_KEYS):
        report.add(file, where, f"unknown key {key!r}")
    accept = item.get("accept")
    if not isinstance(accept, list) or not accept:
        report.add(file, where, "needs 'accept': topic ids and/or null ([null]: decline)")
        return None
    second = item.get("second", [])
    if not isinstance(second, list):
        report.add(file, where, "'second' must be a list like 'accept'")
        second = []
    for key, topics in (("accept", accept), ("second", second)):
        for topic in topics:
            if topic is not None and topic not in entries:
                report.add(file, where, f"unknown topic {topic!r} in {key!r}")
    source = item.get("source", "written" if file == WRITTEN_FILE else None)
    if not isinstance(source, str) or not source.strip():
        report.add(file, where, "needs a 'source' (the page's address, or \"written\")")
    return LabelledMessage(item["q"], tuple(accept), tuple(second))
