"""Settings, read only from the environment and an optional `.env` file.

Every setting is documented in `.env.example`. Tests build settings from a
plain dict (`Settings.from_environ({...})`) instead of touching os.environ.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from bot.regions import Regions, RegionsError, load_regions, single_region

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Secret:
    """A value that must never reach a log or a traceback."""

    value: str

    def __repr__(self) -> str:
        return "Secret('********')" if self.value else "Secret('')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self.value)


# Where a case may be handed on (shared facts: Polres Pariaman, BP3MI Sumatera Barat, Kota
# Pariaman's manpower office DPMPTSP-TK, the embassy or consulate abroad).
DEFAULT_AGENCIES = ("Polres Pariaman", "BP3MI Sumbar", "DPMPTSP-TK", "KBRI/KJRI")


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path
    model_cache_dir: Path
    database_path: Path
    log_level: str
    telegram_token: Secret
    telegram_base_url: str
    telegram_base_file_url: str
    webhook_url: str
    webhook_secret: Secret
    webhook_listen: str
    webhook_port: int
    officials_chat_id: int | None
    official_user_ids: frozenset[int]
    reports_key: Secret  # one or more Fernet keys, comma-separated, newest first
    hash_key: Secret
    retention_days: int
    case_code_prefix: str
    backup_keep_days: int = 30  # a folder's backups older than this are deleted
    # What the receipt promises and reminders check (bot/deadlines.py).
    response_ack_hours: int = 24
    response_action_working_days: int = 3
    response_holidays: frozenset[dt.date] = field(default_factory=frozenset)
    # Reminders of overdue cases and the weekly digest (bot/watch.py).
    response_check_seconds: float = 60.0
    digest_weekday: int | None = 0  # Monday; None: no digest
    digest_time: dt.time = dt.time(8, 0)  # WIB
    reports_per_day: int = 3
    relays_per_hour: int = 10
    evidence_per_report: int = 20
    outbox_max_tries: int = 20
    outbox_max_backoff: float = 300.0
    outbox_alert_rows: int = 30
    outbox_alert_minutes: float = 30.0
    officials_chat_per_minute: int = 20
    messages_per_second: int = 30
    whatsapp: WhatsAppSettings | None = None  # None: the WhatsApp channel is off
    whatsapp_number: str = ""  # the business number people see, for wa.me links
    regions_config: Regions | None = None  # REGIONS_FILE, loaded and checked
    # Officials an urgent case names (Telegram mentions notify them); empty: every official
    # of the case's region.
    urgent_mention_user_ids: frozenset[int] = frozenset()
    # Agencies a case may be marked as handed to (↪️ Teruskan on the card).
    forward_agencies: tuple[str, ...] = DEFAULT_AGENCIES
    officials_topics: bool = False  # a forum group: each case gets its own topic
    # Awareness broadcasts (bot/broadcast): officials who must press ✅ Kirim before one
    # goes out, and how many broadcast messages a second Telegram may carry at most.
    broadcast_approvers: int = 1
    telegram_broadcast_per_second: float = 25.0

    @cached_property
    def regions(self) -> Regions:
        """The regions file's, or the single-city settings as one region."""
        if self.regions_config is not None:
            return self.regions_config
        return single_region(self.officials_chat_id, self.official_user_ids, self.case_code_prefix)

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_token)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)

        def get(name: str, default: str = "") -> str:
            return env.get(name, default).strip()

        log_level = get("LOG_LEVEL", "INFO").upper()
        if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {log_level!r}")
        return cls(
            knowledge_dir=_path(get("KNOWLEDGE_DIR", "knowledge")),
            model_cache_dir=_path(get("MODEL_CACHE_DIR", "data/cache")),
            database_path=_path(get("DATABASE_PATH", "data/migran-aman.sqlite3")),
            log_level=log_level,
            telegram_token=Secret(get("TELEGRAM_BOT_TOKEN")),
            telegram_base_url=get("TELEGRAM_BASE_URL", "https://api.telegram.org/bot"),
            telegram_base_file_url=get(
                "TELEGRAM_BASE_FILE_URL", "https://api.telegram.org/file/bot"
            ),
            webhook_url=get("TELEGRAM_WEBHOOK_URL"),
            webhook_secret=_webhook_secret(
                get("TELEGRAM_WEBHOOK_URL"), get("TELEGRAM_WEBHOOK_SECRET")
            ),
            webhook_listen=get("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"),
            webhook_port=_int("TELEGRAM_WEBHOOK_PORT", get("TELEGRAM_WEBHOOK_PORT", "8443")),
            officials_chat_id=(
                _int("OFFICIALS_CHAT_ID", get("OFFICIALS_CHAT_ID"))
                if get("OFFICIALS_CHAT_ID")
                else None
            ),
            official_user_ids=frozenset(
                _int("OFFICIAL_USER_IDS", part)
                for part in get("OFFICIAL_USER_IDS").replace(",", " ").split()
            ),
            reports_key=Secret(get("REPORTS_ENCRYPTION_KEY")),
            hash_key=Secret(get("REPORTS_HASH_KEY")),
            retention_days=_int("REPORTS_RETENTION_DAYS", get("REPORTS_RETENTION_DAYS", "365")),
            backup_keep_days=_positive("BACKUP_KEEP_DAYS", get("BACKUP_KEEP_DAYS", "30")),
            case_code_prefix=_prefix(get("CASE_CODE_PREFIX", "PRM")),
            response_ack_hours=_positive("RESPONSE_ACK_HOURS", get("RESPONSE_ACK_HOURS", "24")),
            response_action_working_days=_positive(
                "RESPONSE_ACTION_WORKING_DAYS", get("RESPONSE_ACTION_WORKING_DAYS", "3")
            ),
            response_holidays=_dates("RESPONSE_HOLIDAYS", get("RESPONSE_HOLIDAYS")),
            response_check_seconds=_seconds(
                "RESPONSE_CHECK_SECONDS", get("RESPONSE_CHECK_SECONDS", "60")
            ),
            digest_weekday=_weekday("DIGEST_WEEKDAY", get("DIGEST_WEEKDAY", "monday")),
            digest_time=_time_of_day("DIGEST_TIME", get("DIGEST_TIME", "08:00")),
            reports_per_day=_positive("REPORTS_PER_DAY", get("REPORTS_PER_DAY", "3")),
            relays_per_hour=_positive(
                "REPORT_MESSAGES_PER_HOUR", get("REPORT_MESSAGES_PER_HOUR", "10")
            ),
            evidence_per_report=_positive("EVIDENCE_PER_REPORT", get("EVIDENCE_PER_REPORT", "20")),
            outbox_max_tries=_positive("OUTBOX_MAX_TRIES", get("OUTBOX_MAX_TRIES", "20")),
            outbox_max_backoff=_seconds(
                "OUTBOX_MAX_BACKOFF_SECONDS", get("OUTBOX_MAX_BACKOFF_SECONDS", "300")
            ),
            outbox_alert_rows=_positive("OUTBOX_ALERT_ROWS", get("OUTBOX_ALERT_ROWS", "30")),
            outbox_alert_minutes=_seconds(
                "OUTBOX_ALERT_MINUTES", get("OUTBOX_ALERT_MINUTES", "30")
            ),
            officials_chat_per_minute=_positive(
                "OFFICIALS_CHAT_PER_MINUTE", get("OFFICIALS_CHAT_PER_MINUTE", "20")
            ),
            messages_per_second=_positive(
                "TELEGRAM_MESSAGES_PER_SECOND", get("TELEGRAM_MESSAGES_PER_SECOND", "30")
            ),
            whatsapp=_whatsapp(get),
            whatsapp_number=_phone_number(get("WHATSAPP_NUMBER")),
            regions_config=_regions(get("REGIONS_FILE")),
            urgent_mention_user_ids=frozenset(
                _int("URGENT_MENTION_USER_IDS", part)
                for part in get("URGENT_MENTION_USER_IDS").replace(",", " ").split()
            ),
            forward_agencies=_agencies(get("FORWARD_AGENCIES", ",".join(DEFAULT_AGENCIES))),
            officials_topics=_switch("OFFICIALS_TOPICS", get("OFFICIALS_TOPICS", "0")),
            broadcast_approvers=_positive("BROADCAST_APPROVERS", get("BROADCAST_APPROVERS", "1")),
            telegram_broadcast_per_second=_broadcast_rate(
                get("TELEGRAM_BROADCAST_PER_SECOND", "25"),
                get("TELEGRAM_MESSAGES_PER_SECOND", "30"),
            ),
        )


def _broadcast_rate(value: str, overall: str) -> float:
    """At most the bot's own rate: broadcasts share it with the answers, which go first."""
    name = "TELEGRAM_BROADCAST_PER_SECOND"
    rate = _seconds(name, value)
    if overall.isdigit() and rate > int(overall):
        raise ConfigError(f"{name} must be at most TELEGRAM_MESSAGES_PER_SECOND ({overall})")
    return rate


MAX_AGENCIES = 8  # buttons in the ↪️ menu
MAX_AGENCY = 40  # characters of a button label


def _agencies(value: str) -> tuple[str, ...]:
    names = tuple(" ".join(part.split()) for part in value.split(",") if part.strip())
    if len(names) > MAX_AGENCIES or any(len(name) > MAX_AGENCY for name in names):
        raise ConfigError(
            f"FORWARD_AGENCIES must name at most {MAX_AGENCIES} agencies of at most "
            f"{MAX_AGENCY} characters, separated by commas"
        )
    return names


def _switch(name: str, value: str) -> bool:
    if value.casefold() in ("1", "true", "yes", "on", "ya"):
        return True
    if value.casefold() in ("0", "false", "no", "off", "tidak", ""):
        return False
    raise ConfigError(f"{name} must be 1 (on) or 0 (off), not {value!r}")


# What Telegram accepts as a webhook secret_token.
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _webhook_secret(url: str, value: str) -> Secret:
    """Without a secret anyone who learns the webhook URL can post forged updates (fake
    "officials' replies" to reporters): webhook mode does not start without one."""
    if url and not value:
        raise ConfigError(
            "TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is empty; "
            "make one with: python main.py gen-key"
        )
    if value and not WEBHOOK_SECRET.fullmatch(value):
        raise ConfigError(
            "TELEGRAM_WEBHOOK_SECRET must be 1 to 256 of the characters A-Z a-z 0-9 _ -"
        )
    return Secret(value)


def env_file_warning(path: Path) -> str | None:
    """A warning when `.env` (which holds the keys) can be read by other users here: anyone
    at all, or a group other than this process's own (root:migran-aman 0640 is fine)."""
    try:
        info = path.stat()
    except OSError:
        return None
    others = info.st_mode & stat.S_IRWXO
    group = info.st_mode & stat.S_IRWXG and info.st_gid != os.getegid()
    if others or group:
        return (
            f"warning: {path.name} can be read by other users of this machine "
            f"(mode {stat.S_IMODE(info.st_mode):o}); it holds the bot's secrets: chmod 600 {path}"
        )
    return None


@dataclass(frozen=True)
class WhatsAppSettings:
    """The WhatsApp Cloud API channel: all four credentials set, or none of them."""

    token: Secret
    phone_id: str
    app_secret: Secret
    verify_token: Secret
    api_url: str
    listen: str
    port: int
    template_case_update: str = "case_update"
    max_media_mb: int = 16
    media_budget_mb: int = 2048  # all evidence files waiting for the officials, together
    # Awareness broadcasts: the marketing template outside the 24-hour window, Meta's limit
    # on people reached outside it in any 24 hours (None: unlimited), and the broadcasts'
    # share of the number's throughput (answers keep the rest).
    template_broadcast: str = "info_peringatan"
    messaging_limit: int | None = 250
    broadcast_per_second: float = 60.0


# The settings without which the channel cannot work; the rest have defaults.
WHATSAPP_REQUIRED = (
    "WHATSAPP_TOKEN",
    "WHATSAPP_PHONE_ID",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
)


def _whatsapp(get: Callable[..., str]) -> WhatsAppSettings | None:
    """None when no WhatsApp credential is set; a half-configured channel is an error, since
    starting without it would silently leave WhatsApp users unanswered."""
    missing = [name for name in WHATSAPP_REQUIRED if not get(name)]
    if len(missing) == len(WHATSAPP_REQUIRED):
        return None
    if missing:
        raise ConfigError(f"WhatsApp is half configured: set {', '.join(missing)}")
    phone_id = get("WHATSAPP_PHONE_ID")
    if not phone_id.isdigit():
        raise ConfigError(
            f"WHATSAPP_PHONE_ID must be the numeric phone number id, not {phone_id!r}"
        )
    api_url = get("WHATSAPP_API_URL", "https://graph.facebook.com").rstrip("/")
    if not api_url.startswith(("https://", "http://")):
        raise ConfigError(f"WHATSAPP_API_URL must start with https://, not {api_url!r}")
    return WhatsAppSettings(
        token=Secret(get("WHATSAPP_TOKEN")),
        phone_id=phone_id,
        app_secret=Secret(get("WHATSAPP_APP_SECRET")),
        verify_token=Secret(get("WHATSAPP_VERIFY_TOKEN")),
        api_url=api_url,
        listen=get("WHATSAPP_WEBHOOK_LISTEN", "127.0.0.1"),
        port=_int("WHATSAPP_WEBHOOK_PORT", get("WHATSAPP_WEBHOOK_PORT", "8080")),
        template_case_update=get("WHATSAPP_TEMPLATE_CASE_UPDATE", "case_update"),
        max_media_mb=_positive("WHATSAPP_MAX_MEDIA_MB", get("WHATSAPP_MAX_MEDIA_MB", "16")),
        media_budget_mb=_positive(
            "WHATSAPP_MEDIA_BUDGET_MB", get("WHATSAPP_MEDIA_BUDGET_MB", "2048")
        ),
        template_broadcast=get("WHATSAPP_TEMPLATE_BROADCAST", "info_peringatan"),
        messaging_limit=_limit("WHATSAPP_MESSAGING_LIMIT", get("WHATSAPP_MESSAGING_LIMIT", "250")),
        broadcast_per_second=_seconds(
            "WHATSAPP_BROADCAST_PER_SECOND", get("WHATSAPP_BROADCAST_PER_SECOND", "60")
        ),
    )


def _limit(name: str, value: str) -> int | None:
    """A whole number of people, or "unlimited" (Meta's highest tier)."""
    if value.casefold() in ("unlimited", "off", "tanpa batas"):
        return None
    return _positive(name, value)


def _regions(value: str) -> Regions | None:
    """The file is checked before anything starts: a typo must not send a city's reports
    to its neighbour's officials."""
    if not value:
        return None
    try:
        return load_regions(_path(value))
    except RegionsError as error:
        lines = "\n".join(f"  {line}" for line in error.problems)
        raise ConfigError(f"REGIONS_FILE has {len(error.problems)} problem(s):\n{lines}") from None


def _path(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def _prefix(value: str) -> str:
    if not (value.isascii() and value.isalpha() and value.isupper() and 2 <= len(value) <= 5):
        raise ConfigError(f"CASE_CODE_PREFIX must be 2 to 5 capital letters, not {value!r}")
    return value


def _positive(name: str, value: str) -> int:
    number = _int(name, value)
    if number < 1:
        raise ConfigError(f"{name} must be at least 1, not {number}")
    return number


def _dates(name: str, value: str) -> frozenset[dt.date]:
    try:
        return frozenset(dt.date.fromisoformat(p) for p in value.replace(",", " ").split())
    except ValueError:
        raise ConfigError(f"{name} must be dates like 2026-12-25, separated by commas") from None


WEEKDAYS = (
    ("monday", "senin"),
    ("tuesday", "selasa"),
    ("wednesday", "rabu"),
    ("thursday", "kamis"),
    ("friday", "jumat"),
    ("saturday", "sabtu"),
    ("sunday", "minggu"),
)


def _weekday(name: str, value: str) -> int | None:
    """0 for Monday ... 6 for Sunday, in English or Indonesian; None for "off"."""
    wanted = value.casefold()
    if wanted == "off":
        return None
    for number, names in enumerate(WEEKDAYS):
        if wanted in names:
            return number
    raise ConfigError(f"{name} must be a weekday (monday ... sunday) or off, not {value!r}")


def _time_of_day(name: str, value: str) -> dt.time:
    try:
        hours, minutes = (int(part) for part in value.split(":"))
        return dt.time(hours, minutes)
    except ValueError:
        raise ConfigError(f"{name} must be a time like 08:00, not {value!r}") from None


def _seconds(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {value!r}") from None
    if not number > 0:
        raise ConfigError(f"{name} must be more than 0, not {value!r}")
    return number


def _phone_number(value: str) -> str:
    digits = value.removeprefix("+").replace(" ", "").replace("-", "")
    if value and not (digits.isdigit() and 8 <= len(digits) <= 15):
        raise ConfigError(
            f"WHATSAPP_NUMBER must be the number in international form (e.g. 62812...), not {value!r}"
        )
    return digits


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; blank lines and # comments ignored; quotes optional."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not key.strip().isidentifier():
            raise ConfigError(f"{path.name} line {number}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def load_settings(env_file: Path = PROJECT_ROOT / ".env") -> Settings:
    """The environment wins over `.env`, so a deployment can override a file value."""
    return Settings.from_environ({**read_env_file(env_file), **os.environ})
