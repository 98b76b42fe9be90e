"""Encryption of report content at rest (Fernet), and keyed hashes for lookups.

The key comes from REPORTS_ENCRYPTION_KEY and is never stored in the database.
A reporter's identity is stored encrypted (so the bot can write back) and as a
keyed hash (so "my cases" can be found without decrypting every row).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

# Encrypted with the key at first use; decrypting it at start-up proves the key is right.
KEY_CHECK_PLAINTEXT = b"migran-aman key check"


class EncryptionKeyError(Exception):
    """The encryption key is missing, malformed or not the one the data was written with."""


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


class Cipher:
    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise EncryptionKeyError(
                "REPORTS_ENCRYPTION_KEY is not a valid key; make one with: python main.py gen-key"
            ) from None
        self._hash_key = hashlib.sha256(b"lookup:" + key.encode("ascii")).digest()

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
        return hmac.new(self._hash_key, value.encode("utf-8"), hashlib.sha256).hexdigest()

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
