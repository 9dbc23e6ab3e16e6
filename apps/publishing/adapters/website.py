"""The Comune's website news: a delivery marked ``sent`` on a website channel *is* the
publication. The public feed (``apps.publishing.feeds``) and the item page list sent website
deliveries, so this adapter only returns the item's public URL; it calls nothing and
touches no row (the engine records the outcome), so a resend can never duplicate.
"""

from django.conf import settings
from django.urls import reverse

from .base import Adapter, PublishRequest, PublishResult


def item_url(delivery_id: int) -> str:
    return settings.SITE_URL + reverse("website_feed:item", kwargs={"pk": delivery_id})


class WebsiteAdapter(Adapter):
    kind = "website"
    can_reconcile = True
    supports_delete = True

    def publish(self, request: PublishRequest) -> PublishResult:
        return PublishResult(
            external_id=f"website-{request.delivery_id}", url=item_url(request.delivery_id)
        )

    def find_existing(self, request: PublishRequest) -> PublishResult | None:
        return self.publish(request)

    def delete(self, *, external_id: str, config: dict, secret: str) -> None:
        """Withdrawing = the delivery's ``deleted_at`` is set; the feed skips it."""
