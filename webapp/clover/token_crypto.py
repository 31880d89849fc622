"""Clover tokens encrypted at rest in ``clover_connections`` (Fernet: AES-128-CBC + HMAC-SHA256),
and the webhook auth code an admin saved there, the same way.

The key is ``CLOVER_TOKEN_KEY`` when set, else derived from ``SECRET_KEY``; either way through
HKDF-SHA256 with a label of its own, so the token key is never the session-signing key itself.
A stored value is ``fernet:<token>``; a value without that prefix was stored before encryption
and is read as plaintext, then written encrypted the next time the row is written (a refresh,
a reconnect, or the start of a sync, which seals any plaintext it finds).

When ``CLOVER_TOKEN_KEY`` is set, a value sealed under the SECRET_KEY-derived key still opens,
and the next sync re-seals it under the new key, so setting it later loses nothing (let one
sync run before changing SECRET_KEY as well).
Changing SECRET_KEY while CLOVER_TOKEN_KEY is unset makes the stored tokens unreadable: the
sync then fails with ``TokensUnreadable``, which tells the admin to reconnect Clover.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from webapp.clover.client import CloverAuthError

PREFIX = "fernet:"
LABEL = b"shelfcount clover tokens v1"


class TokensUnreadable(CloverAuthError):
    def __init__(self) -> None:
        super().__init__(
            401, "the stored Clover tokens cannot be decrypted: SECRET_KEY (or CLOVER_TOKEN_KEY) changed "
            "since they were saved; reconnect Clover (Clover page, or `flask clover connect`)")


def _fernet(material: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LABEL).derive(material.encode())
    return Fernet(base64.urlsafe_b64encode(key))


class TokenCipher:
    def __init__(self, secret_key: str, token_key: str | None = None) -> None:
        if not (token_key or secret_key):
            raise ValueError("SECRET_KEY or CLOVER_TOKEN_KEY is needed to store Clover tokens")
        keys = [_fernet(token_key)] if token_key else []
        if secret_key:
            keys.append(_fernet(secret_key))
        self._primary = keys[0]
        self._fernet = MultiFernet(keys)

    def __repr__(self) -> str:
        return "TokenCipher(<redacted>)"

    @staticmethod
    def is_sealed(stored: str | None) -> bool:
        return bool(stored) and stored.startswith(PREFIX)

    def needs_sealing(self, stored: str | None) -> bool:
        """Plaintext, or sealed under the SECRET_KEY-derived key since CLOVER_TOKEN_KEY was set."""
        if not stored:
            return False
        if not self.is_sealed(stored):
            return True
        try:
            self._primary.decrypt(stored[len(PREFIX):].encode())
        except InvalidToken:
            return True
        return False

    def seal(self, value: str | None) -> str | None:
        if not value:
            return value
        return PREFIX + self._fernet.encrypt(value.encode()).decode()

    def open(self, stored: str | None) -> str | None:
        """The token, from a sealed value or a plaintext one stored before encryption."""
        if not self.is_sealed(stored):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX):].encode()).decode()
        except InvalidToken:
            raise TokensUnreadable() from None


def cipher_from(config: Mapping) -> TokenCipher:
    return TokenCipher(str(config.get("SECRET_KEY") or ""), config.get("CLOVER_TOKEN_KEY") or None)


def cipher() -> TokenCipher:
    from flask import current_app

    return cipher_from(current_app.config)
