import pytest

from tests.system.harness import CeleryStack


@pytest.fixture(scope="module")
def celery_stack(django_db_setup, tmp_path_factory, request):
    """Beat and two workers, started once per module against the test database.

    A module may set ``SYSTEM_ENV = {...}`` for extra environment (timeouts, backoff), and
    ``SYSTEM_WORKER_ARGS = (...)`` for the workers' command line (e.g. the pool).
    """
    extra_env = getattr(request.module, "SYSTEM_ENV", {})
    stack = CeleryStack(
        tmp_path_factory.mktemp("celery-var"),
        extra_env=extra_env,
        worker_args=getattr(request.module, "SYSTEM_WORKER_ARGS", ()),
    )
    stack.start_worker("worker1")
    stack.start_worker("worker2")
    stack.start_beat()
    try:
        stack.wait_until_ready()
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def stack(celery_stack, request):
    """The module's processes; their logs are printed when the test fails."""
    yield celery_stack
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(celery_stack.tail())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
