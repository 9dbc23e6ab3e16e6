import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from apps.channels.models import Channel


def _counts():
    from django.apps import apps

    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label
        in {"auth", "channels", "planning", "slots", "events", "crisis", "review"}
        and not m._meta.label.startswith("auth.Permission")
    }


@pytest.mark.django_db
def test_load_demo_creates_one_user_per_role_with_password_demo():
    call_command("load_demo")
    for username, group in [
        ("redattore", "Redazione"),
        ("approvatore", "Approvatori"),
        ("amministratore", "Amministratori"),
    ]:
        user = User.objects.get(username=username)
        assert user.check_password("demo")
        assert list(user.groups.values_list("name", flat=True)) == [group]
    assert Channel.objects.count() >= 6


@pytest.mark.django_db
def test_load_demo_twice_changes_nothing():
    call_command("load_demo")
    first = _counts()
    call_command("load_demo")
    assert _counts() == first


@pytest.mark.django_db
def test_load_demo_is_refused_in_production_mode(settings):
    settings.PRODUCTION_MODE = True
    with pytest.raises(CommandError, match="refused in production"):
        call_command("load_demo")
