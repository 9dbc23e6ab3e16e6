"""Account pages: every logged-in person has their own; password reset is public."""

from tests.permissions import OK, Access, public


def own(url_name: str, **kwargs) -> Access:
    """Any logged-in person, roles or not, for their own account; anonymous to the login."""
    return Access(url_name, outsider=OK, **kwargs)


ROWS = [
    own("accounts:security"),
    own("accounts:mfa_verify"),
    own("accounts:mfa_setup"),
    own("accounts:recovery_codes", method="POST"),
    own("accounts:reauth"),
    own("accounts:password_change"),
    own("accounts:password_change_done"),
    public("accounts:password_reset"),
    public("accounts:password_reset_done"),
    public("accounts:password_reset_complete"),
    public(
        "accounts:password_reset_confirm",
        make_kwargs=lambda cast: {"uidb64": "MQ", "token": "non-valido"},
    ),
]
