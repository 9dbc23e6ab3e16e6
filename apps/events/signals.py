"""Feed cache invalidation: any saved or deleted event or category (services, admin, shell)
drops the feed version at once and publishes the new one after commit."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from .feeds import bump_feed_version, forget_feed_version
from .models import Event, EventCategory

# Sent by ``services`` inside the transaction of a change of an event's image (``event``,
# ``by``): an app above (the media library) keeps what it links to the event in step.
image_changed = Signal()


@receiver(post_save, sender=Event)
@receiver(post_delete, sender=Event)
@receiver(post_save, sender=EventCategory)
@receiver(post_delete, sender=EventCategory)
def invalidate_feeds(sender, **kwargs):
    forget_feed_version()
    transaction.on_commit(bump_feed_version)
