"""The token pages (the API's own routes have their matrix in test_api_matrix.py)."""

from tests.permissions import OK, Access, admins


def _own_token(cast):
    from apps.api import tokens

    token, _raw = tokens.create_personal_token(user=cast["editor"], name="T", scopes=["read"])
    return {"pk": token.pk}


def _create_data(cast, kwargs):
    return {"name": "Script", "scopes": ["read"], "expires_on": ""}


ROWS = [
    # Any logged-in person manages their own tokens (an outsider's can do nothing: no role).
    Access("api_tokens:personal", outsider=OK),
    Access("api_tokens:personal_create", method="POST", data=_create_data, outsider=OK),
    # The owner and administrators revoke; anyone else gets 403.
    Access(
        "api_tokens:revoke",
        method="POST",
        make_kwargs=_own_token,
        outsider="forbidden",
        other_editor="forbidden",
        approver="forbidden",
    ),
    admins("api_tokens:service"),
    admins("api_tokens:service_create", method="POST", data=_create_data),
]
