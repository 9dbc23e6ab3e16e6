from datetime import timedelta

from django.utils import timezone

from tests.factories import CategoryFactory, ChannelFactory, PostFactory
from tests.permissions import admins, author_only, public, staff


def _post(cast):
    post = PostFactory(author=cast["editor"], channels=[ChannelFactory(name="Canale matrice")])
    return {"pk": post.pk}


def _channel_data(cast, kwargs):
    return {"channel": ChannelFactory(name="Canale matrice").pk, "text": "Ciao", "link": ""}


def _move(cast, kwargs):
    when = timezone.localtime(timezone.now() + timedelta(days=3))
    return {"data": when.strftime("%Y-%m-%d"), "ora": "10:30", "version": 1}


def _edit(cast, kwargs):
    channel = ChannelFactory(name="Canale matrice")
    when = timezone.localtime(timezone.now() + timedelta(days=3))
    return {
        "title": "Modificato",
        "category": CategoryFactory(slug="matrice").pk,
        "planned_date": when.strftime("%Y-%m-%d"),
        "planned_time": "11:00",
        "channels": [channel.pk],
        "base_text": "Testo base",
        "version": 1,
        "nuove-TOTAL_FORMS": 0,
        "nuove-INITIAL_FORMS": 0,
        "immagini-TOTAL_FORMS": 0,
        "immagini-INITIAL_FORMS": 0,
    }


def _category(cast):
    return {"pk": CategoryFactory(slug="matrice").pk}


def _channel(cast):
    return {"pk": ChannelFactory(name="Canale matrice").pk}


def _telegram_channel(cast):
    return {"pk": ChannelFactory(name="Telegram matrice", kind="telegram").pk}


def _bluesky_channel(cast):
    return {"pk": ChannelFactory(name="Bluesky matrice", kind="bluesky").pk}


ROWS = [
    staff("planning:calendar"),
    staff("planning:calendar", query="?vista=settimana", label=" week"),
    staff("planning:calendar", query="?vista=elenco&data=2026-02-30", label=" list bad date"),
    staff("planning:post_create"),
    staff("planning:post_create", method="POST", data=_edit, label=" new"),
    staff("planning:check_variant", method="POST", data=_channel_data),
    staff("planning:post_detail", make_kwargs=_post),
    author_only("planning:post_edit", make_kwargs=_post),
    author_only("planning:post_edit", method="POST", make_kwargs=_post, data=_edit),
    author_only("planning:post_reschedule", method="POST", make_kwargs=_post, data=_move),
    staff("planning:post_duplicate", method="POST", make_kwargs=_post, data=_move),
    admins("planning:category_list"),
    admins("planning:category_create"),
    admins(
        "planning:category_create",
        method="POST",
        data=lambda cast, kwargs: {"name": "Nuova", "slug": "nuova", "colour": "#123456"},
    ),
    admins("planning:category_edit", make_kwargs=_category),
    admins(
        "planning:category_edit",
        method="POST",
        make_kwargs=_category,
        data=lambda cast, kwargs: {"name": "Rinominata", "slug": "matrice", "colour": "#123456"},
    ),
    public("planning:category_css"),
    admins("channels:list"),
    admins("channels:create"),
    admins(
        "channels:create",
        method="POST",
        data=lambda cast, kwargs: {"name": "Nuovo canale", "kind": "mastodon"},
    ),
    admins("channels:edit", make_kwargs=_channel),
    admins(
        "channels:edit",
        method="POST",
        make_kwargs=_channel,
        data=lambda cast, kwargs: {"name": "Canale matrice", "kind": "x", "active": "on"},
    ),
    admins("channels:connect", method="POST", make_kwargs=_channel),
    admins("channels:connect_callback", query="?state=x&code=y"),
    admins("channels:connect_choose"),
    admins("channels:connect_choose", method="POST", data=lambda cast, kwargs: {"choice": "1"}),
    admins("channels:telegram", make_kwargs=_telegram_channel),
    admins(
        "channels:telegram",
        method="POST",
        make_kwargs=_telegram_channel,
        data=lambda cast, kwargs: {"token": "not-a-token"},
    ),
    admins("channels:bluesky", make_kwargs=_bluesky_channel),
    admins(
        "channels:bluesky",
        method="POST",
        make_kwargs=_bluesky_channel,
        data=lambda cast, kwargs: {"handle": "non un nome", "app_password": "x"},
    ),
]
