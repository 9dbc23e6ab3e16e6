"""Permission-relevant changes made in the admin (roles, superuser, active) are audited."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from apps.accounts.roles import Role
from apps.audit.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    boss = UserFactory(username="capo", role=Role.ADMIN)
    boss.is_staff = boss.is_superuser = True
    boss.save()
    client.force_login(boss)
    client.boss = boss
    return client


def _change(client, user, *, groups, is_active=True, is_superuser=False):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "groups": [g.pk for g in groups],
        "date_joined_0": "2026-01-02",
        "date_joined_1": "10:00:00",
        "initial-date_joined_0": "2026-01-02",
        "initial-date_joined_1": "10:00:00",
    }
    if is_active:
        data["is_active"] = "on"
    if is_superuser:
        data["is_superuser"] = "on"
    return client.post(reverse("admin:auth_user_change", args=[user.pk]), data)


def test_giving_a_role_in_the_admin_is_audited_with_who_did_it(superuser_client):
    person = UserFactory(username="nuova_collega", role=Role.EDITOR)
    approvers = Group.objects.get(name=Role.APPROVER.value)
    editors = Group.objects.get(name=Role.EDITOR.value)

    response = _change(superuser_client, person, groups=[editors, approvers])

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="user.roles_changed")
    assert (entry.actor, entry.object_id) == (superuser_client.boss, str(person.pk))
    assert entry.before == {"groups": ["Redazione"]}
    assert entry.after == {"groups": ["Approvatori", "Redazione"]}


def test_making_someone_superuser_or_inactive_is_audited(superuser_client):
    person = UserFactory(username="collega")

    _change(superuser_client, person, groups=[], is_active=False, is_superuser=True)

    entry = AuditEntry.objects.get(action="user.flags_changed")
    assert entry.before == {"is_active": True, "is_superuser": False}
    assert entry.after == {"is_active": False, "is_superuser": True}


def test_setting_up_users_outside_a_request_leaves_no_entry():
    UserFactory(username="da_script", role=Role.ADMIN)

    assert AuditEntry.objects.filter(action__startswith="user.").count() == 0
