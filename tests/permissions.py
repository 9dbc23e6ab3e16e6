"""The permission matrix: every URL of the app, every role, the expected answer.

Each app declares its rows in ``tests/<app>/permissions.py`` as ``ROWS = [Access(...), ...]``;
``tests/test_permission_matrix.py`` collects them, checks that every named URL of the app has
at least one row, and runs each row for every role.

Expected answers: ``OK`` (2xx, or a redirect that is not to the login page), ``LOGIN``
(redirect to the login page), ``FORBIDDEN`` (403), ``NOT_FOUND`` (404).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

OK = "ok"
LOGIN = "login"
FORBIDDEN = "forbidden"
NOT_FOUND = "not_found"

ROLES = ("anonymous", "outsider", "editor", "other_editor", "approver", "admin")


@dataclass(frozen=True)
class Access:
    """One URL (by name) and who may use it.

    ``make_kwargs(cast)`` creates whatever the URL needs (owned by ``cast["editor"]``, the
    author) and returns the URL kwargs; it is called afresh for every role, so a POST that
    changes state never sees another role's change. ``cast`` maps role names to users
    (``anonymous`` to None). ``other_editor`` is an editor acting on the author's objects.
    ``data(cast, kwargs)`` returns the POST body.
    """

    url_name: str
    method: str = "GET"
    make_kwargs: Callable[[dict], dict] | None = None
    data: Callable[[dict, dict], dict] | None = None
    query: str = ""
    anonymous: str = LOGIN
    outsider: str = FORBIDDEN
    editor: str = OK
    other_editor: str = OK
    approver: str = OK
    admin: str = OK
    label: str = field(default="")

    def expected(self, role: str) -> str:
        return getattr(self, role)


def public(url_name: str, **kwargs) -> Access:
    """A page anyone may open, logged in or not."""
    return Access(
        url_name,
        anonymous=OK,
        outsider=OK,
        editor=OK,
        other_editor=OK,
        approver=OK,
        admin=OK,
        **kwargs,
    )


def staff(url_name: str, **kwargs) -> Access:
    """Any of the three roles; the author's colleague too."""
    return Access(url_name, **kwargs)


def reviewers(url_name: str, **kwargs) -> Access:
    defaults = {"editor": FORBIDDEN, "other_editor": FORBIDDEN}
    defaults.update(kwargs)
    return Access(url_name, **defaults)


def admins(url_name: str, **kwargs) -> Access:
    defaults = {"editor": FORBIDDEN, "other_editor": FORBIDDEN, "approver": FORBIDDEN}
    defaults.update(kwargs)
    return Access(url_name, **defaults)


def author_only(url_name: str, **kwargs) -> Access:
    """The author and the approvers/admins; another editor gets 403."""
    defaults = {"other_editor": FORBIDDEN}
    defaults.update(kwargs)
    return Access(url_name, **defaults)


def make_cast(prefix: str) -> dict:
    """One user per role (``anonymous`` is None), with usernames starting with ``prefix``."""
    from apps.accounts.roles import Role
    from tests.factories import UserFactory

    return {
        "anonymous": None,
        "outsider": UserFactory(username=f"{prefix}_outsider"),
        "editor": UserFactory(username=f"{prefix}_editor", role=Role.EDITOR),
        "other_editor": UserFactory(username=f"{prefix}_other_editor", role=Role.EDITOR),
        "approver": UserFactory(username=f"{prefix}_approver", role=Role.APPROVER),
        "admin": UserFactory(username=f"{prefix}_admin", role=Role.ADMIN),
    }
