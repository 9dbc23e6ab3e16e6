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
    return {"post": post, "slot": slot, "event": event, "category": category, "channel": mastodon}


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
        post=office["post"].pk, event=office["event"].pk, channel=office["channel"].pk
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
