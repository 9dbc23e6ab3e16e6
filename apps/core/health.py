"""Reachability checks for /healthz: the database and the Celery broker."""

from django.db import connection


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}"
    return None


def check_broker() -> str | None:
    from pa_planner.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            # Opening a channel proves the broker answers, not only that a socket opened.
            conn.default_channel  # noqa: B018
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None
