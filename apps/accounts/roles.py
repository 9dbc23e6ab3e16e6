"""The three roles of the office, as Django groups created by a migration."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    EDITOR = "Redazione", _("Redazione")
    APPROVER = "Approvatori", _("Approvatori")
    ADMIN = "Amministratori", _("Amministratori")


STAFF_ROLES = frozenset(Role)
# Who may do what, in one place: views name a capability, not a list of groups.
CAPABILITIES: dict[str, frozenset[Role]] = {
    "plan": frozenset({Role.EDITOR, Role.APPROVER, Role.ADMIN}),
    "review": frozenset({Role.APPROVER, Role.ADMIN}),
    "crisis": frozenset({Role.APPROVER, Role.ADMIN}),
    "configure": frozenset({Role.ADMIN}),
    "audit": frozenset({Role.APPROVER, Role.ADMIN}),
    # Citizens' conversations (personal data): read and answer; hide or delete a comment.
    "inbox": frozenset({Role.EDITOR, Role.APPROVER, Role.ADMIN}),
    "inbox_moderate": frozenset({Role.APPROVER, Role.ADMIN}),
}


def roles_of(user) -> frozenset[Role]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_pa_roles", None)
    if cached is None:
        names = {g.name for g in user.groups.all()}
        cached = frozenset(r for r in Role if r.value in names)
        if user.is_superuser:
            cached = frozenset(Role)
        user._pa_roles = cached
    return cached


def has_role(user, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def can(user, capability: str) -> bool:
    return bool(roles_of(user) & CAPABILITIES[capability])
