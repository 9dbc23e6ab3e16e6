"""``{% link_card url as card %}``: the cached Open Graph card of a preview's link, or None.

Never fetches: a missing or stale card is queued for a worker (``publishing.fetch_link_card``)
and the preview says it is on its way, so a page never waits for someone else's site. One
lookup per URL per request, however many previews show it (each ``{% include %}`` has its own
render context, so the memo lives on the request), and one queued fetch per URL a minute."""

from django import template
from django.core.cache import cache

from apps.core.queue import enqueue

from .. import linkcards, tasks

register = template.Library()

QUEUED_FOR = 60  # seconds: renders meanwhile do not queue the same fetch again


def _memo(context) -> dict:
    request = context.get("request")
    if request is None:
        return context.render_context.setdefault("link_cards", {})
    if not hasattr(request, "_link_cards"):
        request._link_cards = {}
    return request._link_cards


@register.simple_tag(takes_context=True)
def link_card(context, url):
    if not url:
        return None
    seen = _memo(context)
    if url not in seen:
        card = linkcards.cached_card(url)
        if linkcards.needs_fetch(card) and cache.add(
            f"linkcard-queued:{linkcards.url_hash(url)}", 1, QUEUED_FOR
        ):
            enqueue(tasks.fetch_link_card, url=url)
        seen[url] = card
    return seen[url]
