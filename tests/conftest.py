import importlib

import pytest

from apps.accounts.roles import Role
from tests.factories import UserFactory

# Data migrations whose rows a transactional test's flush removes. Re-running them (they are
# idempotent) is what every transactional test starts from, instead of serialized_rollback,
# which clashes with the content types that a flush recreates under new ids.
REFERENCE_DATA = [
    ("apps.accounts.migrations.0001_roles", "create_groups"),
    ("apps.planning.migrations.0003_seed_categories", "seed"),
    ("apps.events.migrations.0003_seed_categories", "seed"),
    ("apps.crisis.migrations.0003_crisis_state_row", "create_state_row"),
]


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    return "transactional_db" in request.fixturenames


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts from an empty cache: a value one test left (the publishing-stall
    banner's 15-second answer, a rate-limit counter) must not show up in the next one."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def reference_data_after_flush(request):
    if not _is_transactional(request):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    for module_name, function_name in REFERENCE_DATA:
        getattr(importlib.import_module(module_name), function_name)(apps, None)


@pytest.fixture
def tasks_run_at_once():
    """Celery tasks queued by the code under test run on the spot (emails sent from tasks)."""
    from pa_planner.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def editor(db):
    return UserFactory(username="redattrice", role=Role.EDITOR)


@pytest.fixture
def other_editor(db):
    return UserFactory(username="altro_redattore", role=Role.EDITOR)


@pytest.fixture
def approver(db):
    return UserFactory(username="approvatrice", role=Role.APPROVER)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="amministratrice", role=Role.ADMIN)


@pytest.fixture
def outsider(db):
    """Logged in, but in no role group: must see no staff data."""
    return UserFactory(username="estraneo")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def approver_client(client, approver):
    client.force_login(approver)
    return client


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client
