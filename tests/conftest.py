import importlib
from contextlib import ExitStack
from pathlib import Path

import pytest

from apps.accounts.roles import Role
from apps.publishing.adapters import registry
from tests.factories import UserFactory
from tests.media_cleanup import pytest_sessionfinish  # noqa: F401  (a pytest hook)

# Reference rows (each app's ``reference_data.seed``, which its data migration runs) that a
# transactional test's flush removes. Seeding again (idempotent) is what every transactional
# test starts from, instead of serialized_rollback, which clashes with the content types that a
# flush recreates under new ids.
REFERENCE_DATA = [
    f"apps.{name}.reference_data"
    for name in sorted(p.name for p in (Path(__file__).parent.parent / "apps").iterdir())
    if (Path(__file__).parent.parent / "apps" / name / "reference_data.py").exists()
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
def site_language_after_each_test():
    """A page asked for in English leaves English active in the thread (LocaleMiddleware
    activates and nothing deactivates): the next test starts in the site's language again."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def reference_data_after_flush(request):
    if not _is_transactional(request):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    for module_name in REFERENCE_DATA:
        importlib.import_module(module_name).seed(apps)


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


@pytest.fixture
def adapter_override():
    """``adapter_override(adapter, kind=None)``: the registry answers ``adapter`` (or raises it,
    if an exception) for ``kind``, or for every kind, until the test ends."""
    with ExitStack() as stack:

        def use(adapter, *, kind=None):
            stack.enter_context(registry.override(adapter, kind=kind))
            return adapter

        yield use
