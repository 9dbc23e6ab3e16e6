from datetime import timedelta

from django.utils import timezone

from apps.planning import importing
from apps.planning.models import Campaign
from tests.factories import CategoryFactory, ChannelFactory, PostFactory
from tests.permissions import NOT_FOUND, admins, author_only, public, staff
from tests.slots.factories import SlotFactory


def _post(cast):
    post = PostFactory(author=cast["editor"], channels=[ChannelFactory(name="Canale matrice")])
    return {"pk": post.pk}


def _newsletter_post(cast, part="html"):
    channel = ChannelFactory(name="Newsletter matrice", kind="newsletter")
    post = PostFactory(author=cast["editor"], channels=[channel])
    return {"pk": post.pk, "channel_id": channel.pk, "part": part}


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


def _campaign(cast):
    campaign, _created = Campaign.objects.get_or_create(
        name="Campagna matrice",
        defaults={"starts_on": timezone.localdate(), "ends_on": timezone.localdate()},
    )
    return {"pk": campaign.pk}


def _campaign_data(cast, kwargs):
    return {"name": "Campagna matrice", "starts_on": "2030-01-01", "ends_on": "2030-01-31"}


def _category(cast):
    return {"pk": CategoryFactory(slug="matrice").pk}


def _channel(cast):
    return {"pk": ChannelFactory(name="Canale matrice").pk}


def _telegram_channel(cast):
    return {"pk": ChannelFactory(name="Telegram matrice", kind="telegram").pk}


def _import_batch(cast):
    """A preview owned by the editor: only its owner may see or confirm it."""
    channel = ChannelFactory(name="Canale matrice")
    category = CategoryFactory(slug="matrice")
    day = timezone.localtime(timezone.now() + timedelta(days=3)).strftime("%d/%m/%Y")
    data = f"data;ora;canali;categoria;testo\n{day};10:00;{channel.name};{category.slug};Ciao"
    upload = importing.read_upload(name="piano.csv", content_type="text/csv", data=data.encode())
    batch = importing.store_upload(upload, by=cast["editor"], filename="piano.csv")
    return {"key": batch.key}


def _queue(cast, kwargs):
    return {"coda": f"rubrica-{SlotFactory(name='Rubrica matrice').pk}", "version": 1}


def _owner_only(url_name: str, **kwargs):
    """The owner's own import; everyone else with the role gets 404 (it is not theirs)."""
    return staff(url_name, other_editor=NOT_FOUND, approver=NOT_FOUND, admin=NOT_FOUND, **kwargs)


def _bluesky_channel(cast):
    return {"pk": ChannelFactory(name="Bluesky matrice", kind="bluesky").pk}


ROWS = [
    # Import, export, "Metti in coda" (issue 17).
    staff("planning:import_upload"),
    staff("planning:import_upload", method="POST", label=" no file"),
    staff("planning:import_template", make_kwargs=lambda cast: {"fmt": "xlsx"}),
    staff("planning:import_template", make_kwargs=lambda cast: {"fmt": "csv"}, label=" csv"),
    _owner_only("planning:import_preview", make_kwargs=_import_batch),
    _owner_only("planning:import_confirm", method="POST", make_kwargs=_import_batch),
    staff("planning:export"),
    staff("planning:export", query="?da=2027-03-01&a=2027-03-07&formato=stampa", label=" print"),
    staff("planning:export", query="?da=2027-03-01&a=2027-03-07&formato=xlsx", label=" xlsx"),
    staff("planning:export", query="?da=2027-03-01&a=2027-03-07&formato=csv", label=" csv"),
    author_only("planning:post_queue", method="POST", make_kwargs=_post, data=_queue),
    staff("planning:calendar"),
    staff("planning:calendar", query="?vista=settimana", label=" week"),
    staff("planning:calendar", query="?vista=elenco&data=2026-02-30", label=" list bad date"),
    staff("planning:post_create"),
    staff("planning:post_create", method="POST", data=_edit, label=" new"),
    staff("planning:check_variant", method="POST", data=_channel_data),
    staff("planning:post_detail", make_kwargs=_post),
    # The newsletter email as it will be sent, in the review page's sandboxed frame.
    staff("planning:newsletter_email", make_kwargs=_newsletter_post),
    staff(
        "planning:newsletter_email",
        make_kwargs=lambda cast: _newsletter_post(cast, "testo"),
        label=" text",
    ),
    author_only("planning:post_edit", make_kwargs=_post),
    author_only("planning:post_edit", method="POST", make_kwargs=_post, data=_edit),
    author_only("planning:post_reschedule", method="POST", make_kwargs=_post, data=_move),
    staff("planning:post_duplicate", method="POST", make_kwargs=_post, data=_move),
    staff("planning:search"),
    staff("planning:search", query="?q=mercato&stato=draft", label=" query"),
    staff("planning:campaign_list"),
    staff("planning:campaign_create"),
    staff("planning:campaign_create", method="POST", data=_campaign_data, label=" new"),
    staff("planning:campaign_detail", make_kwargs=_campaign),
    staff("planning:campaign_edit", make_kwargs=_campaign),
    staff("planning:campaign_edit", method="POST", make_kwargs=_campaign, data=_campaign_data),
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
