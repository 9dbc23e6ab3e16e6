import pytest

from apps.core import health


@pytest.mark.django_db
def test_healthz_reports_database_and_broker_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_unreachable_broker(client, monkeypatch):
    from pa_planner.celery import app

    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    original = app.conf.broker_url, app.conf.broker_transport
    # Nothing listens on port 1. The transport is reset too: the embedded default names one.
    app.conf.broker_url, app.conf.broker_transport = "redis://127.0.0.1:1/0", None
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url, app.conf.broker_transport = original
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["broker"] == "unreachable"
    assert "broker" in body["errors"]


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_unreachable_database(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
