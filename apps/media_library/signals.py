"""Receivers of signals declared by apps below the library (connected in ``apps.ready``)."""

from django.dispatch import receiver

from apps.events.signals import image_changed

from .services import unlink_replaced_event_image


@receiver(image_changed, dispatch_uid="media_event_image")
def event_image_changed(sender, *, event, by, **kwargs):
    unlink_replaced_event_image(event=event, by=by)
