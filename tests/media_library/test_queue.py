"""Renditions are CPU work: their own queue, never the sends' or beat's."""

from django.conf import settings


def test_renditions_have_their_own_queue():
    routes = settings.CELERY_TASK_ROUTES
    assert routes["media_library.make_renditions"] == {"queue": settings.MEDIA_QUEUE}
    assert settings.MEDIA_QUEUE not in {
        settings.CELERY_TASK_DEFAULT_QUEUE,
        settings.PUBLISHING_SENDS_QUEUE,
        settings.PUBLISHING_SCHEDULING_QUEUE,
    }
