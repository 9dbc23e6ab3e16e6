"""Audit of permission-relevant changes made in the admin: a user's roles and flags.

These changes happen in Django's own user admin, which calls no service of ours, so the
audit listens to the model signals. Only changes made during a web request are recorded
(the actor is the person logged in); data migrations, demo loading and tests set up users
without leaving entries.
"""

from django.contrib.auth.models import User
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from .services import record

FLAGS = ("is_active", "is_staff", "is_superuser")


def _request_user():
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="audit_user_groups")
def audit_user_groups(sender, instance, action, reverse, pk_set, **kwargs):
    if reverse or action not in (
        "pre_add",
        "pre_remove",
        "pre_clear",
        "post_add",
        "post_remove",
        "post_clear",
    ):
        return
    actor = _request_user()
    if actor is None:
        return
    if action.startswith("pre_"):
        instance._audit_groups_before = sorted(instance.groups.values_list("name", flat=True))
        return
    before = getattr(instance, "_audit_groups_before", None)
    after = sorted(instance.groups.values_list("name", flat=True))
    if before is None or before == after:
        return
    record(
        action="user.roles_changed",
        actor=actor,
        obj=instance,
        summary=f"Ruoli di {instance.get_username()}: {', '.join(after) or '—'}",
        before={"groups": before},
        after={"groups": after},
    )


@receiver(pre_save, sender=User, dispatch_uid="audit_user_flags_before")
def remember_user_flags(sender, instance, **kwargs):
    if instance.pk is None or _request_user() is None:
        return
    old = User.objects.filter(pk=instance.pk).values(*FLAGS).first()
    instance._audit_flags_before = old


@receiver(post_save, sender=User, dispatch_uid="audit_user_flags")
def audit_user_flags(sender, instance, created, **kwargs):
    actor = _request_user()
    before = getattr(instance, "_audit_flags_before", None)
    if actor is None or before is None:
        return
    after = {flag: getattr(instance, flag) for flag in FLAGS}
    changed = {flag for flag in FLAGS if before[flag] != after[flag]}
    instance._audit_flags_before = None
    if not changed:
        return
    record(
        action="user.flags_changed",
        actor=actor,
        obj=instance,
        summary=f"Permessi di {instance.get_username()}: {', '.join(sorted(changed))}",
        before={flag: before[flag] for flag in sorted(changed)},
        after={flag: after[flag] for flag in sorted(changed)},
    )
