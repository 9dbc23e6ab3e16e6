"""Access tokens: created, found and revoked here, and nowhere else.

A token reads ``pap_<prefix>_<secret>``: ``prefix`` (8 random characters) finds the row,
``secret`` (43 characters, 256 random bits) is checked against its stored SHA-256 with a
constant-time comparison. A slow password hash is not needed: the secret is random, not
chosen by a person, so it cannot be guessed from a list (the scheme GitHub and PyPI use).
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from apps.accounts.roles import Role, can
from apps.audit.services import record

from .enums import Scope, TokenKind
from .models import ApiToken

TOKEN_PREFIX = "pap_"
PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
# last_used_at is rewritten at most this often: a write per request would cost a query.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(Exception):
    """A refused token operation; the message is shown to the user."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> tuple[str, str, str]:
    """(prefix, secret, the whole token)."""
    prefix = get_random_string(8, PREFIX_ALPHABET)
    secret = secrets.token_urlsafe(32)
    return prefix, secret, f"{TOKEN_PREFIX}{prefix}_{secret}"


def _clean_scopes(scopes) -> list[str]:
    chosen = sorted(set(scopes or []))
    unknown = [s for s in chosen if s not in Scope.values]
    if unknown or not chosen:
        raise TokenError(_("Scegli almeno un permesso tra quelli elencati."))
    return chosen


def _check_expiry(expires_at) -> None:
    if expires_at is not None and expires_at <= timezone.now():
        raise TokenError(_("La scadenza deve essere nel futuro."))


def _create(*, user, kind, name, scopes, expires_at, by) -> tuple[ApiToken, str]:
    name = " ".join((name or "").split())
    if not name:
        raise TokenError(_("Dai un nome al token: dirà nel registro chi ha agito."))
    scopes = _clean_scopes(scopes)
    _check_expiry(expires_at)
    prefix, secret, raw = _new_secret()
    token = ApiToken.objects.create(
        user=user,
        kind=kind,
        name=name[:100],
        prefix=prefix,
        secret_hash=_hash(secret),
        scopes=scopes,
        expires_at=expires_at,
        created_by=by,
    )
    record(
        action="api.token_created",
        actor=by,
        obj=token,
        summary=lambda: (
            _("Token «%(name)s» (%(kind)s) creato con permessi: %(scopes)s")
            % {"name": token.name, "kind": token.get_kind_display(), "scopes": ", ".join(scopes)}
        ),
        after={"scopes": scopes, "expires_at": expires_at.isoformat() if expires_at else None},
    )
    return token, raw


def create_personal_token(*, user, name: str, scopes, expires_at=None) -> tuple[ApiToken, str]:
    """A token that acts as ``user``; returns it with its secret, which is never shown again."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied
    with transaction.atomic():
        return _create(
            user=user,
            kind=TokenKind.PERSONAL,
            name=name,
            scopes=scopes,
            expires_at=expires_at,
            by=user,
        )


def create_service_token(*, by, name: str, scopes, expires_at=None) -> tuple[ApiToken, str]:
    """A token for another system of the Comune (administrators only).

    It acts as its own account, in the Redazione role, that cannot log in to the web pages
    (no usable password): the same rules as a person in that role, limited by the scopes.
    """
    if not can(by, "configure"):
        raise PermissionDenied
    with transaction.atomic():
        account = User(
            username=f"servizio-{get_random_string(10, PREFIX_ALPHABET)}",
            first_name=(" ".join((name or "").split()))[:150],
            last_name=_("(servizio)"),
        )
        account.set_unusable_password()
        account.save()
        account.groups.add(Group.objects.get(name=Role.EDITOR.value))
        return _create(
            user=account,
            kind=TokenKind.SERVICE,
            name=name,
            scopes=scopes,
            expires_at=expires_at,
            by=by,
        )


def may_revoke(user, token: ApiToken) -> bool:
    """The owner of a personal token; administrators for any token."""
    if can(user, "configure"):
        return True
    return token.kind == TokenKind.PERSONAL and token.user_id == user.pk


def revoke_token(*, token: ApiToken, by) -> ApiToken:
    if not may_revoke(by, token):
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic():
        rows = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by
        )
        if rows != 1:
            raise TokenError(_("Il token era già revocato."))
        token.revoked_at, token.revoked_by = now, by
        record(
            action="api.token_revoked",
            actor=by,
            obj=token,
            summary=lambda: _("Token «%(name)s» revocato") % {"name": token.name},
        )
    return token


def find_token(raw: str) -> ApiToken | None:
    """The usable token ``raw`` stands for, with its user, or None (unknown, wrong secret,
    revoked, expired, or its person no longer active)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix, sep, secret = raw[len(TOKEN_PREFIX) :].partition("_")
    if not sep or len(prefix) != 8 or not secret or len(secret) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    # Compared even when no row was found, so timing does not tell a prefix that exists.
    expected = token.secret_hash if token is not None else _hash("")
    if not hmac.compare_digest(expected, _hash(secret)) or token is None:
        return None
    if not token.is_usable() or not token.user.is_active:
        return None
    return token


def mark_used(token: ApiToken, *, at=None) -> None:
    at = at or timezone.now()
    if token.last_used_at is None or at - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)
        token.last_used_at = at
