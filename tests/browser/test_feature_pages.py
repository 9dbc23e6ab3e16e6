"""axe-core on every page of every feature, as an administrator (who reaches them all), with
realistic data: posts in several states, a slot, an event, a blackout, a crisis history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.planning.enums import PostStatus
from tests.browser.conftest import assert_no_axe_violations, heading_problems
from tests.factories import CategoryFactory, ChannelFactory, EventFactory, PostFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def office(admin_person, editor_user):
    from tests.slots.factories import SlotFactory

    category = CategoryFactory(name="Vivere il Comune", slug="vivere-il-comune", colour="#008055")
    mastodon = ChannelFactory(name="Mastodon Comune")
    telegram = ChannelFactory(name="Telegram Comune")
    now = timezone.now()
    post = PostFactory(
        title="Sagra della castagna",
        category=category,
        author=editor_user,
        channels=[mastodon, telegram],
        status=PostStatus.IN_REVIEW,
        planned_at=now + timedelta(days=2),
        base_text="Domenica in piazza la sagra della castagna. #SagraDellaCastagna",
    )
    PostFactory(
        title="Uffici chiusi per festività",
        author=editor_user,
        channels=[telegram],
        planned_at=now + timedelta(days=1),
    )
    slot = SlotFactory(
        name="Eventi del weekend", owner=editor_user, start_date=(now - timedelta(days=7)).date()
    )
    event = EventFactory(
        title="Concerto della banda municipale",
        description="In piazza, ingresso libero.",
        starts_at=now + timedelta(days=3),
    )
    published, correction = _published_with_correction(editor_user)
    return {
        "post": post,
        "slot": slot,
        "event": event,
        "category": category,
        "channel": mastodon,
        "published": published,
        "correction": correction,
    }


def _published_with_correction(author):
    """A Notizia sent on the Comune's site and a correction of it waiting for a decision."""
    from apps.publishing.corrections import texts_of
    from apps.publishing.enums import DeliveryState
    from apps.publishing.models import Delivery
    from apps.review.corrections import propose_correction
    from tests.planning.news import NEWS_COLUMNS

    site = ChannelFactory(
        name="Sito comunale",
        kind="wordpress",
        config={"base_url": "https://www.comune.esempio.it", "username": "redazione"},
    )
    published = PostFactory(
        title="Il ponte riapre",
        author=author,
        channels=[site],
        status=PostStatus.PUBLISHED,
        planned_at=timezone.now() - timedelta(days=1),
        base_text="Lunedì riapre il ponte di via Roma.",
    )
    published.variants.update(public_title="Il ponte riapre lunedì", **NEWS_COLUMNS)
    Delivery.objects.create(
        variant=published.variants.get(),
        due_at=published.planned_at,
        state=DeliveryState.SENT,
        external_id="1",
    )
    after = texts_of(published)
    after["variants"][str(site.pk)]["public_title"] = "Il ponte riapre martedì"
    correction = propose_correction(published, by=author, expected_version=1, after=after)
    return published, correction


STAFF_PAGES = [
    "/calendario/?vista=mese",
    "/calendario/?vista=settimana",
    "/calendario/?vista=elenco",
    "/calendario/post/nuovo/",
    "/calendario/{post}/",
    "/calendario/{post}/modifica/",
    "/calendario/categorie/",
    "/calendario/categorie/nuova/",
    "/revisione/",
    "/revisione/post/{post}/",
    "/revisione/post/{post}/storia/",
    "/revisione/impostazioni/",
    "/calendario/{published}/",
    "/revisione/post/{published}/correggi/",
    "/revisione/correzioni/{correction}/",
    "/crisi/",
    "/crisi/storico/",
    "/crisi/ripresa/",
    "/crisi/silenzio/",
    "/crisi/silenzio/nuovo/",
    "/eventi/gestione/",
    "/eventi/gestione/nuovo/",
    "/eventi/gestione/{event}/modifica/",
    "/registro/",
    "/canali/",
    "/canali/nuovo/",
    "/canali/{channel}/modifica/",
    "/pubblicazione/",
    "/rubriche/",
    "/accounts/token/",
    "/token-di-servizio/",
]
PUBLIC_PAGES = [
    "/eventi/",
    "/eventi/{event}/",
    "/eventi/abbonati/",
    "/newsletter/",
]


def _url(template: str, office) -> str:
    return template.format(
        post=office["post"].pk,
        event=office["event"].pk,
        channel=office["channel"].pk,
        published=office["published"].pk,
        correction=office["correction"].pk,
    )


def test_every_staff_page_is_accessible(page, admin_person, office, force_login):
    force_login(admin_person)
    failures = []
    for template in STAFF_PAGES:
        url = _url(template, office)
        response = page.goto(url)
        if response.status >= 400:
            failures.append(f"{url}: HTTP {response.status}")
            continue
        failures.extend(heading_problems(page))
        try:
            assert_no_axe_violations(page)
        except AssertionError as error:
            failures.append(str(error))
    assert failures == [], "\n".join(failures)


def test_every_public_page_is_accessible(page, office):
    failures = []
    for template in PUBLIC_PAGES:
        url = _url(template, office)
        response = page.goto(url)
        if response.status >= 400:
            failures.append(f"{url}: HTTP {response.status}")
            continue
        failures.extend(heading_problems(page))
        try:
            assert_no_axe_violations(page)
        except AssertionError as error:
            failures.append(str(error))
    assert failures == [], "\n".join(failures)
