"""Encryption of report content at rest (Fernet), and keyed hashes for lookups.

Two secrets, both only in the environment, never in the database:
- REPORTS_ENCRYPTION_KEY: one or more Fernet keys, comma-separated, newest first. New data
  is encrypted with the first; any of them opens old data, so a key can be rotated
  (`python main.py rotate-key`) without a moment where stored reports are unreadable.
- REPORTS_HASH_KEY: the HMAC-SHA256 key of the lookup hashes (who is this session, which
  reports are mine). Kept apart from the encryption key, so that rotating or leaking one
  does not give away the other, and so that nobody holding only the database can test a
  guessed Telegram id against it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# Encrypted with the key at first use; decrypting it at start-up proves the key is right.
KEY_CHECK_PLAINTEXT = b"migran-aman key check"
HASH_CHECK_PLAINTEXT = b"migran-aman hash key check"
HASH_KEY_BYTES = 32
# Every Fernet token starts with version byte 0x80, which base64 writes as "gAAAAA".
TOKEN_PREFIX = b"gAAAAA"


class EncryptionKeyError(Exception):
    """The encryption key is missing, malformed or not the one the data was written with."""


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def generate_hash_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(HASH_KEY_BYTES)).decode("ascii")


def split_keys(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class Cipher:
    """Encryption with the report keys; lookup hashes come from the separate `Hasher`."""

    def __init__(self, keys: str, hasher: Hasher) -> None:
        self.hasher = hasher
        try:
            fernets = [Fernet(key.encode("ascii")) for key in split_keys(keys)]
        except (ValueError, UnicodeEncodeError):
            raise EncryptionKeyError(
                "REPORTS_ENCRYPTION_KEY is not a valid key (or comma-separated list of keys); "
                "make one with: python main.py gen-key"
            ) from None
        if not fernets:
            raise EncryptionKeyError("REPORTS_ENCRYPTION_KEY is empty")
        self._newest = fernets[0]
        self._fernet = MultiFernet(fernets)
        self.key_count = len(fernets)

    def encrypt(self, value: Any) -> bytes:
        return self._fernet.encrypt(json.dumps(value, ensure_ascii=False).encode("utf-8"))

    def encrypt_bytes(self, data: bytes) -> bytes:
        """Files (evidence) as they are, without the JSON of `encrypt`."""
        return self._fernet.encrypt(data)

    def decrypt_bytes(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise EncryptionKeyError(
                "REPORTS_ENCRYPTION_KEY does not open a stored file (wrong key?)"
            ) from None

    def decrypt(self, token: bytes) -> Any:
        try:
            return json.loads(self._fernet.decrypt(token))
        except InvalidToken:
            raise EncryptionKeyError(
                "REPORTS_ENCRYPTION_KEY does not open the stored reports (wrong key?)"
            ) from None

    def lookup_hash(self, value: str) -> str:
        return self.hasher.lookup_hash(value)

    def seal(self, value: str | None) -> bytes | None:
        """A short text (an official's id, a mode) encrypted, or None kept as None."""
        return None if value is None else self.encrypt(value)

    def unseal(self, token: bytes | None) -> str | None:
        return None if token is None else str(self.decrypt(token))

    def is_current(self, token: bytes) -> bool:
        """Whether the newest key opens it, i.e. `rotate` has nothing to do."""
        try:
            self._newest.decrypt(token)
        except InvalidToken:
            return False
        return True

    def rotate(self, token: bytes) -> bytes:
        """The same plaintext, encrypted with the newest key."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken:
            raise EncryptionKeyError(
                "a stored value opens with none of the keys in REPORTS_ENCRYPTION_KEY"
            ) from None

    def key_check(self) -> bytes:
        return self._fernet.encrypt(KEY_CHECK_PLAINTEXT)

    def verify(self, key_check: bytes) -> None:
        try:
            ok = self._fernet.decrypt(key_check) == KEY_CHECK_PLAINTEXT
        except InvalidToken:
            ok = False
        if not ok:
            raise EncryptionKeyError(
                "REPORTS_ENCRYPTION_KEY is not the key the stored reports were written with"
            )


def is_token(value: object) -> bool:
    return isinstance(value, bytes) and value.startswith(TOKEN_PREFIX)


class Hasher:
    """Keyed hashes (HMAC-SHA256) of user keys: equal inputs meet, nothing can be read back."""

    def __init__(self, key: str) -> None:
        try:
            raw = base64.urlsafe_b64decode(key.encode("ascii"))
        except (ValueError, binascii.Error, UnicodeEncodeError):
            raw = b""
        if len(raw) != HASH_KEY_BYTES:
            raise EncryptionKeyError(
                "REPORTS_HASH_KEY is not a valid key; make one with: python main.py gen-key"
            )
        self._key = raw

    def _hash(self, purpose: str, value: str) -> str:
        message = f"{purpose}:{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def lookup_hash(self, value: str) -> str:
        """Reports, drafts and deliveries of one person."""
        return self._hash("lookup", value)

    def session_key(self, value: str) -> str:
        """Conversation state: another purpose, so sessions do not join to reports."""
        return self._hash("session", value)

    def message_key(self, message_id: str) -> str:
        """A platform's id of a received message, to recognise it when it comes again."""
        return self._hash("message", message_id)

    def check(self) -> bytes:
        return hmac.new(self._key, HASH_CHECK_PLAINTEXT, hashlib.sha256).digest()

    def verify(self, check: bytes) -> None:
        if not hmac.compare_digest(self.check(), check):
            raise EncryptionKeyError(
                "REPORTS_HASH_KEY is not the key the stored data was hashed with"
            )


def message_key(message_id: str, hasher: Hasher | None) -> str:
    """How a received message's id is stored: WhatsApp's wamid is base64 of data that
    holds the sender's phone number, so never in clear. Keyed (REPORTS_HASH_KEY) when the
    bot has that key; without one (WhatsApp with reporting off) a plain SHA-256, which the
    id's own random part (about 80 bits) makes impossible to test a number against."""
    if hasher is not None:
        return hasher.message_key(message_id)
    return hashlib.sha256(f"message:{message_id}".encode()).hexdigest()
