"""Channel secrets encrypted at rest (Fernet: AES-128-CBC with HMAC-SHA256, from
``cryptography``), with key rotation.

``PA_PLANNER_SECRET_KEYS`` lists Fernet keys, newest first: new values are encrypted with the
first, and every listed key still decrypts, so a rotation is "put the new key first, run
``manage.py rotate_secret_keys``, then drop the old one". Without the setting (development and
tests only: production requires it) one key is derived from ``SECRET_KEY``.
"""

import base64
import hashlib
import logging
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)

PREFIX = "fernet:"


class UnreadableSecret(Exception):
    """A stored secret no configured key decrypts: the channel must be set up again."""


def _derived_key() -> bytes:
    digest = hashlib.sha256(f"pa-planner-secrets:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


@cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    keys = tuple(settings.SECRET_ENCRYPTION_KEYS) or (_derived_key().decode(),)
    return _fernet_for(keys)


def encrypt(value: str) -> str:
    if not value:
        return ""
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored:
        return ""
    if not stored.startswith(PREFIX):  # written before encryption: the migration converts it
        return stored
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise UnreadableSecret(
            "no key in PA_PLANNER_SECRET_KEYS decrypts this secret: set it again"
        ) from None


def rotate(stored: str) -> str:
    """The same secret under the newest key."""
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        return encrypt(stored)
    try:
        return PREFIX + fernet().rotate(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise UnreadableSecret("no configured key decrypts this secret") from None


class EncryptedTextField(models.TextField):
    """Plain text in Python, Fernet ciphertext in the database.

    A value no configured key decrypts (its key was dropped too early) reads as no secret at
    all: pages show the channel as without credential and a send fails as a configuration
    problem ("set it again"), never a 500 and never a request with a garbled token.
    """

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        try:
            return decrypt(value)
        except UnreadableSecret:
            logger.warning("A stored channel secret cannot be decrypted with the current keys")
            return ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(value)
