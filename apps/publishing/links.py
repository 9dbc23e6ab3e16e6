"""Links in posts, as they are sent: counted through the Comune's own redirect and tagged
with UTM parameters, each only when the administrator turned it on (settings
``LINK_TRACKING``, ``LINK_UTM``). Nothing goes out that the approver did not see: the review
preview says when links will be counted (``link_tracking`` template tag).

The redirect (``/l/<code>``, ``views.follow_link``) stores one number per link per day and
nothing about who clicked: no cookie, no IP address, no user agent.
"""

import re
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from .models import LinkClickDay, ShortLink

CODE_BYTES = 6  # 8 URL-safe characters
# Link previews fetched by the networks themselves when a post goes out are not clicks.
PREVIEW_FETCHERS = re.compile(
    r"bot|crawler|spider|preview|facebookexternalhit|mastodon|whatsapp|slack|discord|embedly",
    re.IGNORECASE,
)


def with_utm(url: str, *, source: str, medium: str, campaign: str) -> str:
    """The URL with utm_source / utm_medium / utm_campaign (kept when already there)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _value in query}
    for key, value in (
        ("utm_source", source),
        ("utm_medium", medium),
        ("utm_campaign", campaign),
    ):
        if key not in present:
            query.append((key, value))
    return urlunsplit(parts._replace(query=urlencode(query)))


def tracked_url(url: str, *, post, channel) -> str:
    """What goes out in place of ``url`` on ``channel``: the URL itself unless the
    administrator turned UTM tags or link counting on. Only http(s) URLs are touched."""
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return url
    if settings.LINK_UTM:
        medium = "email" if channel.kind == "newsletter" else "social"
        url = with_utm(url, source=channel.kind, medium=medium, campaign=f"post-{post.pk}")
    if not settings.LINK_TRACKING:
        return url
    return settings.SITE_URL + reverse("follow_link", args=[short_link(url, post, channel).code])


def short_link(url: str, post, channel) -> ShortLink:
    """The one short link of this post, channel and URL (created on first use)."""
    existing = ShortLink.objects.filter(post=post, channel=channel, url=url).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return ShortLink.objects.create(
                code=secrets.token_urlsafe(CODE_BYTES), url=url, post=post, channel=channel
            )
    except IntegrityError:  # a concurrent send made it first (or, once in 2**48, the code)
        return ShortLink.objects.get(post=post, channel=channel, url=url)


def rewrite(text: str, link: str, *, post, channel) -> tuple[str, str]:
    """The variant's text and the post's link as sent: the link replaced everywhere."""
    sent = tracked_url(link, post=post, channel=channel)
    if sent == link:
        return text, link
    return text.replace(link, sent), sent


def count_click(link: ShortLink, *, user_agent: str = "") -> bool:
    """One more click today (the user agent is only looked at, never stored: previews
    fetched by the networks do not count). Returns whether it counted."""
    if PREVIEW_FETCHERS.search(user_agent or ""):
        return False
    today = timezone.localdate()
    if not LinkClickDay.objects.filter(link=link, day=today).update(clicks=F("clicks") + 1):
        try:
            with transaction.atomic():
                LinkClickDay.objects.create(link=link, day=today, clicks=1)
        except IntegrityError:  # the first click of the day, twice at once
            LinkClickDay.objects.filter(link=link, day=today).update(clicks=F("clicks") + 1)
    return True
