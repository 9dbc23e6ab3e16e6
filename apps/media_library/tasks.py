"""Thin Celery tasks: image renditions are made outside the web request."""

from celery import shared_task

from . import services


@shared_task(name="media_library.make_renditions")
def make_renditions(*, asset_id: int) -> int:
    return services.make_renditions(asset_id=asset_id)
