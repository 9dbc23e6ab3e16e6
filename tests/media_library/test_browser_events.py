"""A public event's image chosen from the library in a real browser: the picker searched and
chosen by keyboard, the event form with it passing axe, the public page using the asset's
alt text."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events.models import Event
from apps.media_library import services
from apps.media_library.models import EventAsset
from tests.browser import conftest as harness
from tests.factories import EventFactory
from tests.media_library.conftest import jpeg_bytes, upload

pytestmark = pytest.mark.browser

browser = harness.browser
context = harness.context
page = harness.page
role_groups = harness.role_groups
editor_user = harness.editor_user
login = harness.login
assert_no_axe_violations = harness.assert_no_axe_violations
heading_problems = harness.heading_problems


@pytest.fixture
def images(editor_user):
    piazza = services.add_asset(
        upload=upload(jpeg_bytes(size=(400, 300), colour=(200, 40, 40))),
        by=editor_user,
        alt_text="Bancarelle della sagra in piazza",
    ).asset
    fiume = services.add_asset(
        upload=upload(jpeg_bytes(size=(400, 300), colour=(40, 40, 200))),
        by=editor_user,
        alt_text="Il ponte sul fiume al tramonto",
    ).asset
    return {"piazza": piazza, "fiume": fiume}


def test_an_event_takes_its_image_from_the_library_by_keyboard(page, editor_user, images):
    event = EventFactory(title="Sagra d'autunno")
    login(page, editor_user)
    page.goto(f"/eventi/gestione/{event.pk}/modifica/")
    assert heading_problems(page) == []
    assert_no_axe_violations(page)
    search = page.get_by_label("Cerca nella libreria")
    search.focus()
    page.keyboard.type("ponte")
    page.get_by_label("Il ponte sul fiume al tramonto").wait_for()
    page.get_by_label("Bancarelle della sagra in piazza").wait_for(state="detached")
    page.keyboard.press("Tab")  # the Cerca button
    page.keyboard.press("Tab")  # the radio group
    page.keyboard.press("ArrowDown")  # from "Nessuna immagine" to the image found
    assert page.get_by_label("Il ponte sul fiume al tramonto").is_checked()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Salva l'evento").click()
    page.wait_for_url("**/eventi/gestione/")
    assert EventAsset.objects.get(event=event).asset == images["fiume"]
    page.goto(Event.objects.get(pk=event.pk).get_absolute_url())
    figure = page.locator(".event-figure img")
    assert figure.get_attribute("alt") == "Il ponte sul fiume al tramonto"
    assert_no_axe_violations(page)


def test_the_asset_pages_listing_events_pass_axe(page, editor_user, images):
    asset = images["piazza"]
    event = EventFactory(title="Sagra d'autunno", starts_at=timezone.now() + timedelta(days=20))
    services.set_event_asset(event=event, asset_id=asset.pk, by=editor_user)
    asset.rights_expire_on = timezone.localdate() + timedelta(days=5)
    asset.save()
    login(page, editor_user)
    for url in [f"/libreria/{asset.pk}/", f"/libreria/{asset.pk}/elimina/"]:
        page.goto(url)
        assert page.get_by_role("link", name="Sagra d'autunno").count() >= 1
        assert heading_problems(page) == []
        assert_no_axe_violations(page)
    page.goto(f"/eventi/gestione/{event.pk}/modifica/")
    assert page.get_by_role("alert").filter(has_text="prima della fine dell'evento").count() == 1
    assert_no_axe_violations(page)
