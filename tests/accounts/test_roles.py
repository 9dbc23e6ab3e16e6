import pytest
from django.contrib.auth.models import Group

from apps.accounts.roles import Role, can, roles_of


@pytest.mark.django_db
def test_migration_creates_the_three_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Redazione",
        "Approvatori",
        "Amministratori",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "capability", "allowed"),
    [
        ("editor", "plan", True),
        ("editor", "review", False),
        ("editor", "crisis", False),
        ("editor", "configure", False),
        ("approver", "review", True),
        ("approver", "crisis", True),
        ("approver", "configure", False),
        ("admin_user", "configure", True),
        ("admin_user", "review", True),
        ("outsider", "plan", False),
    ],
)
def test_capabilities_follow_roles(request, who, capability, allowed):
    user = request.getfixturevalue(who)
    assert can(user, capability) is allowed


@pytest.mark.django_db
def test_anonymous_has_no_roles():
    from django.contrib.auth.models import AnonymousUser

    assert roles_of(AnonymousUser()) == frozenset()


@pytest.mark.django_db
def test_home_requires_login_then_a_role(client, outsider, editor):
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"].startswith("/accounts/login/")
    client.force_login(outsider)
    assert client.get("/").status_code == 403
    client.force_login(editor)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_htmx_request_without_login_gets_a_client_redirect(client):
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/")


def test_roles_are_the_three_of_the_office():
    assert [r.value for r in Role] == ["Redazione", "Approvatori", "Amministratori"]
