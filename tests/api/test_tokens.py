"""Access tokens: stored hashed, shown once, found in constant time, revoked, audited."""

import hashlib
import time
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from apps.accounts import security
from apps.accounts.roles import Role, roles_of
from apps.api import tokens
from apps.api.enums import Scope, TokenKind
from apps.api.models import ApiToken
from apps.audit.models import AuditEntry
from tests.api.conftest import bearer

# Session, user, groups, the crisis banner, the tokens (with creator and revoker joined).
NUM_QUERIES_TOKEN_PAGE = 5


def test_a_token_is_stored_as_the_sha256_of_its_secret_only(editor):
    token, raw = tokens.create_personal_token(user=editor, name="Foglio", scopes=[Scope.READ])

    prefix, secret = raw.removeprefix("pap_").split("_", 1)
    assert token.prefix == prefix and len(prefix) == 8
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = ApiToken.objects.values_list("prefix", "secret_hash", "name", "scopes").get()
    assert secret not in "".join(str(v) for v in stored)
    assert tokens.find_token(raw) == token


def test_a_wrong_secret_an_unknown_prefix_and_garbage_find_nothing(editor):
    _token, raw = tokens.create_personal_token(user=editor, name="Foglio", scopes=[Scope.READ])

    assert tokens.find_token(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert tokens.find_token("pap_zzzzzzzz_" + raw.split("_", 2)[2]) is None
    for garbage in ("", "pap_", "pap__", "Bearer", raw + "_", "x" * 500, "pap_" + "a" * 300):
        assert tokens.find_token(garbage) is None


def test_revoked_expired_and_deactivated_tokens_stop_working(editor, other_editor):
    revoked, raw_revoked = tokens.create_personal_token(user=editor, name="A", scopes=[Scope.READ])
    tokens.revoke_token(token=revoked, by=editor)
    expiring, raw_expiring = tokens.create_personal_token(
        user=editor, name="B", scopes=[Scope.READ], expires_at=timezone.now() + timedelta(hours=1)
    )
    ApiToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now())
    _t, raw_other = tokens.create_personal_token(user=other_editor, name="C", scopes=[Scope.READ])
    other_editor.is_active = False
    other_editor.save(update_fields=["is_active"])

    assert tokens.find_token(raw_revoked) is None
    assert tokens.find_token(raw_expiring) is None
    assert tokens.find_token(raw_other) is None


def test_creation_and_revocation_are_audited_without_the_secret(editor):
    token, raw = tokens.create_personal_token(
        user=editor, name="Intranet", scopes=[Scope.READ, Scope.WRITE_POSTS]
    )
    tokens.revoke_token(token=token, by=editor)

    entries = list(AuditEntry.objects.order_by("id").values_list("action", "actor", "summary"))
    assert [(a, actor) for a, actor, _s in entries] == [
        ("api.token_created", editor.pk),
        ("api.token_revoked", editor.pk),
    ]
    assert "Intranet" in entries[0][2] and "write:posts" in entries[0][2]
    assert all(raw.split("_", 2)[2] not in summary for _a, _b, summary in entries)


def test_a_token_needs_a_name_a_known_scope_and_a_future_expiry(editor):
    with pytest.raises(tokens.TokenError):
        tokens.create_personal_token(user=editor, name="  ", scopes=[Scope.READ])
    with pytest.raises(tokens.TokenError):
        tokens.create_personal_token(user=editor, name="X", scopes=["admin"])
    with pytest.raises(tokens.TokenError):
        tokens.create_personal_token(user=editor, name="X", scopes=[])
    with pytest.raises(tokens.TokenError):
        tokens.create_personal_token(
            user=editor, name="X", scopes=[Scope.READ], expires_at=timezone.now()
        )
    assert ApiToken.objects.count() == 0


def test_only_administrators_create_service_tokens_acting_as_an_editor_account(
    admin_user, approver
):
    with pytest.raises(PermissionDenied):
        tokens.create_service_token(by=approver, name="Sito", scopes=[Scope.READ])

    token, raw = tokens.create_service_token(by=admin_user, name="Sito", scopes=[Scope.READ])

    assert token.kind == TokenKind.SERVICE
    assert token.created_by == admin_user
    assert roles_of(token.user) == {Role.EDITOR}
    assert not token.user.has_usable_password()
    assert tokens.find_token(raw) == token


def test_only_the_owner_or_an_administrator_revokes(editor, other_editor, admin_user):
    token, _raw = tokens.create_personal_token(user=editor, name="A", scopes=[Scope.READ])

    with pytest.raises(PermissionDenied):
        tokens.revoke_token(token=token, by=other_editor)
    tokens.revoke_token(token=token, by=admin_user)
    with pytest.raises(tokens.TokenError):
        tokens.revoke_token(token=token, by=editor)


def test_last_used_is_written_at_most_once_a_minute(client, editor, make_token):
    raw = make_token(editor)
    client.get("/api/v1/categories", **bearer(raw))
    first = ApiToken.objects.get().last_used_at
    client.get("/api/v1/categories", **bearer(raw))

    assert first is not None
    assert ApiToken.objects.get().last_used_at == first


# --- the pages ------------------------------------------------------------------------------


def test_the_profile_page_lists_only_ones_own_tokens(editor_client, editor, other_editor):
    tokens.create_personal_token(user=editor, name="Mio foglio", scopes=[Scope.READ])
    tokens.create_personal_token(user=other_editor, name="Il suo script", scopes=[Scope.READ])

    body = editor_client.get(reverse("api_tokens:personal")).content.decode()

    assert "Mio foglio" in body
    assert "Il suo script" not in body


def test_creating_a_token_shows_it_once(editor_client, editor):
    response = editor_client.post(
        reverse("api_tokens:personal_create"),
        {"name": "Foglio", "scopes": ["read", "write:posts"], "expires_on": ""},
    )

    token = ApiToken.objects.get()
    body = response.content.decode()
    raw = body.split(
        'id="new-token-value" class="form-control font-monospace" type="text" readonly value="', 1
    )[1].split('"', 1)[0]
    assert tokens.find_token(raw) == token
    assert token.scopes == ["read", "write:posts"] and token.user == editor
    assert raw not in editor_client.get(reverse("api_tokens:personal")).content.decode()


def test_a_stale_session_confirms_the_password_before_creating_a_token(editor_client, settings):
    session = editor_client.session
    session[security.AUTH_AT] = time.time() - settings.REAUTH_MINUTES * 60 - 5
    session.save()
    data = {"name": "Foglio", "scopes": ["read"], "expires_on": ""}

    asked = editor_client.post(reverse("api_tokens:personal_create"), data)
    assert 'name="reauth_password"' in asked.content.decode()
    assert 'value="Foglio"' in asked.content.decode()
    assert ApiToken.objects.count() == 0

    confirmed = editor_client.post(
        reverse("api_tokens:personal_create"), {**data, "reauth_password": "pw"}
    )
    assert confirmed.status_code == 200
    assert ApiToken.objects.get().name == "Foglio"


def test_an_invalid_form_keeps_what_was_typed(editor_client):
    response = editor_client.post(
        reverse("api_tokens:personal_create"),
        {"name": "<b>Foglio</b>", "scopes": [], "expires_on": "2000-01-01"},
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert 'value="&lt;b&gt;Foglio&lt;/b&gt;"' in body
    assert "Scegli almeno un permesso." in body
    assert "Scegli oggi o un giorno futuro." in body
    assert ApiToken.objects.count() == 0


def test_revoking_from_the_page(editor_client, editor, make_token):
    raw = make_token(editor)
    token = ApiToken.objects.get()

    response = editor_client.post(reverse("api_tokens:revoke", args=[token.pk]))

    assert response.status_code == 302
    assert tokens.find_token(raw) is None


def test_administrators_create_service_tokens_from_their_page(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("api_tokens:service_create"),
        {"name": "Sito del Comune", "scopes": ["read"], "expires_on": ""},
    )

    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.kind == TokenKind.SERVICE and token.name == "Sito del Comune"
    assert "Sito del Comune" in client.get(reverse("api_tokens:service")).content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_the_token_page_runs_a_fixed_number_of_queries(
    editor_client, editor, admin_user, django_assert_num_queries, count
):
    for n in range(count):
        token, _raw = tokens.create_personal_token(user=editor, name=f"T{n}", scopes=[Scope.READ])
        if n == 0:
            tokens.revoke_token(token=token, by=admin_user)
    editor_client.get(reverse("api_tokens:personal"))  # session, groups and crisis state warm
    with django_assert_num_queries(NUM_QUERIES_TOKEN_PAGE):
        response = editor_client.get(reverse("api_tokens:personal"))
    assert response.content.decode().count("<code>pap_") == count


def test_administrators_find_the_service_tokens_in_the_office_menu(client, admin_user, editor):
    client.force_login(admin_user)
    admin_home = client.get(reverse("api_tokens:personal")).content.decode()
    client.force_login(editor)
    editor_home = client.get(reverse("api_tokens:personal")).content.decode()

    link = f'href="{reverse("api_tokens:service")}"'
    assert link in admin_home
    assert link not in editor_home
