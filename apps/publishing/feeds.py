"""The public news feed of the Comune's website: Atom and RSS of sent website deliveries.

A website variant counts as published when its delivery is ``sent`` (the website adapter
only hands back the item's URL) and not withdrawn (``deleted_at``). The website's CMS reads
the feed; each item also has a plain public page, so the link in the feed always works.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Max
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import linebreaks
from django.utils.translation import gettext_lazy as _

from apps.channels.enums import ChannelKind
from apps.core.templatetags.pa_format import local_date_with_article
from apps.planning.news import NewsFields

from .enums import DeliveryState
from .models import Delivery

FEED_SIZE = 30


def published_website_items():
    """Sent, not withdrawn website deliveries, newest first, with what the feed shows."""
    return (
        Delivery.objects.filter(
            state=DeliveryState.SENT,
            deleted_at__isnull=True,
            variant__channel__kind=ChannelKind.WEBSITE,
        )
        .select_related("variant__post__category")
        .order_by("-sent_at", "-pk")
    )


def feed_last_modified(request, *args, **kwargs):
    """When the feed last changed (an item sent or withdrawn): readers polling get a 304."""
    latest = Delivery.objects.filter(
        variant__channel__kind=ChannelKind.WEBSITE, sent_at__isnull=False
    ).aggregate(sent=Max("sent_at"), withdrawn=Max("deleted_at"))
    moments = [moment for moment in latest.values() if moment is not None]
    return max(moments) if moments else None


def item_text(delivery: Delivery) -> str:
    return delivery.variant.text or delivery.variant.post.base_text


def item_headline(delivery: Delivery) -> str:
    """The title the item went out with; never the post's internal title. An item sent
    without one (only possible before public titles existed) is named by its date."""
    if delivery.sent_title:
        return delivery.sent_title
    return _("Notizia pubblicata %(date)s") % {
        "date": local_date_with_article(timezone.localtime(delivery.sent_at), "j F Y")
    }


class WebsiteNewsRss(Feed):
    feed_type = Rss201rev2Feed
    description = _("Le notizie pubblicate dall'ufficio comunicazione.")
    ttl = 15  # minutes: RSS readers may poll this often

    def author_name(self):
        return settings.COMUNE_NAME

    def title(self):
        return _("Notizie del %(comune)s") % {"comune": settings.COMUNE_NAME}

    def link(self):
        return reverse("website_feed:list")

    def items(self):
        return published_website_items()[:FEED_SIZE]

    def item_title(self, item: Delivery):
        return item_headline(item)

    def item_description(self, item: Delivery):
        # The Notizia's short description where written (an item sent before it existed
        # has the text instead). Atom's summary is type="html" and RSS readers render
        # descriptions as HTML: the framework's XML escaping is undone by the reader, so the
        # plain text is escaped here too (and its paragraphs kept), or "<b>" typed by an
        # editor would become markup.
        return linebreaks(item.variant.news_summary or item_text(item), autoescape=True)

    def item_link(self, item: Delivery):
        return reverse("website_feed:item", kwargs={"pk": item.pk})

    def item_guid(self, item: Delivery):
        return f"{settings.SITE_URL}{self.item_link(item)}"

    item_guid_is_permalink = True

    def item_pubdate(self, item: Delivery):
        return item.sent_at

    def item_updateddate(self, item: Delivery):
        return item.sent_at

    def item_categories(self, item: Delivery):
        """The Notizia's type and topics (the website's *argomenti*), then the office's
        content category; each once."""
        news = NewsFields.of(item.variant)
        names = [news.type_label, *news.topics, item.variant.post.category.name]
        seen, categories = set(), []
        for name in filter(None, names):
            if name.casefold() not in seen:
                seen.add(name.casefold())
                categories.append(name)
        return categories


class WebsiteNewsAtom(WebsiteNewsRss):
    feed_type = Atom1Feed
    subtitle = WebsiteNewsRss.description

    def link(self):
        return reverse("website_feed:list")

    def feed_url(self):
        return reverse("website_feed:atom")


def news_list(request):
    """The human page of the feed: the same items, newest first."""
    items = list(published_website_items()[:FEED_SIZE])
    for item in items:
        item.headline = item_headline(item)
    return render(request, "publishing/feed_list.html", {"items": items})


def news_item(request, pk: int):
    """The public page of one item of the feed (the URL the website adapter returns)."""
    delivery = get_object_or_404(published_website_items(), pk=pk)
    return render(
        request,
        "publishing/feed_item.html",
        {
            "item": delivery,
            "headline": item_headline(delivery),
            "post": delivery.variant.post,
            "text": item_text(delivery),
            "news": NewsFields.of(delivery.variant),
            "images": list(delivery.variant.post.images.all()),
        },
    )
