"""``{% link_card url as card %}``: the cached Open Graph card of a preview's link, or None.

Never fetches: a missing or stale card is queued for a worker (``publishing.fetch_link_card``)
and the preview says it is on its way, so a page never waits for someone else's site. One
lookup per URL per page, however many previews show it."""

from django import template

from apps.core.queue import enqueue

from .. import linkcards, tasks

register = template.Library()


@register.simple_tag(takes_context=True)
def link_card(context, url):
    if not url:
        return None
    seen = context.render_context.setdefault("link_cards", {})
    if url not in seen:
        card = linkcards.cached_card(url)
        if linkcards.needs_fetch(card):
            enqueue(tasks.fetch_link_card, url=url)
        seen[url] = card
    return seen[url]
