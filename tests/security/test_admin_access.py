"""The Django admin: administrators only, behind the app's login (and its lockout), movable."""

import importlib

import pytest
from django.test import override_settings
from django.urls import clear_url_caches, resolve, reverse
from django.urls.exceptions import Resolver404

from apps.accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_staff_flag_alone_does_not_open_the_admin(client):
    editor = UserFactory(username="redattore_staff", role=Role.EDITOR, is_staff=True)
    client.force_login(editor)

    response = client.get(reverse("admin:index"), follow=True)

    assert response.status_code == 403
    assert "id_password" not in response.content.decode()


def test_an_administrator_opens_the_admin(client):
    admin = UserFactory(username="capo", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_admin_has_no_password_form_of_its_own(client):
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/admin/"

    response = client.post(reverse("admin:login"), {"username": "x", "password": "y"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _reload_urls():
    import pa_planner.urls

    clear_url_caches()
    importlib.reload(pa_planner.urls)


@pytest.fixture
def restore_urls():
    yield
    _reload_urls()


def test_operators_can_move_the_admin(restore_urls):
    with override_settings(ADMIN_URL="gestione-riservata/"):
        _reload_urls()
        assert resolve("/gestione-riservata/").view_name == "admin:index"
        with pytest.raises(Resolver404):
            resolve("/admin/")


def test_operators_can_switch_the_admin_off_and_pages_still_render(client, restore_urls):
    admin = UserFactory(username="capo", role=Role.ADMIN, is_staff=True, is_superuser=True)
    with override_settings(ADMIN_URL=""):
        _reload_urls()
        with pytest.raises(Resolver404):
            resolve("/admin/")
        client.force_login(admin)
        response = client.get(reverse("home"))
        assert response.status_code == 200
        assert "Amministrazione" not in response.content.decode()
