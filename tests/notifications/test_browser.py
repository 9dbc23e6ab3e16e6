"""The notification centre and @mentions in a real browser, keyboard only where it matters, with
axe-core on every page and state."""

import pytest

from apps.notifications.enums import Kind
from apps.notifications.models import Notification, NotificationSettings
from apps.notifications.services import notify
from apps.planning.enums import PostStatus as S
from tests.browser import conftest as harness
from tests.review.factories import post_in

pytestmark = pytest.mark.browser

browser = harness.browser
context = harness.context
page = harness.page
role_groups = harness.role_groups
editor_user = harness.editor_user
approver_user = harness.approver_user
admin_person = harness.admin_person
login = harness.login
assert_no_axe_violations = harness.assert_no_axe_violations


def test_the_notification_centre_from_the_header_bell_to_reading_everything(page, editor_user):
    first = post_in(S.APPROVED, author=editor_user, title="Ponte chiuso")
    approved = {"title": "Ponte chiuso"}
    notify([editor_user], Kind.APPROVED, params=approved, url=f"/calendario/{first.pk}/")
    changes = {"title": "Orari estivi"}
    notify([editor_user], Kind.CHANGES_REQUESTED, params=changes, url="/calendario/")
    notify([editor_user], Kind.SLOT_TO_FILL, params={"n": 2}, url="/rubriche/")
    login(page, editor_user)

    bell = page.get_by_role("link", name="Notifiche 3 non lette")
    bell.wait_for()
    assert_no_axe_violations(page)
    bell.click()
    page.get_by_role("heading", name="3 notifiche da leggere").wait_for()
    assert page.locator("[data-notification] a").all_inner_texts() == [
        "Rubriche da riempire: 2 uscite nei prossimi giorni",
        "Modifiche richieste: «Orari estivi»",
        "Approvato: «Ponte chiuso»",
    ]
    assert_no_axe_violations(page)

    # Marking one read swaps the list in place, says so (with the focus), and the bell follows.
    item = page.locator("[data-notification]").filter(has_text="Orari estivi")
    item.get_by_role("button", name="Segna come letta").click()
    # The button is gone with the swap: the focus goes to the message that says what happened.
    page.wait_for_function(
        "() => document.activeElement.textContent === 'Notifica segnata come letta.'"
    )
    page.get_by_role("link", name="Notifiche 2 non lette").wait_for()
    assert page.url.endswith("/notifiche/")
    assert_no_axe_violations(page)

    # Opening one goes to its page and counts it read.
    page.get_by_role("link", name="Approvato: «Ponte chiuso»").click()
    page.wait_for_url(f"**/calendario/{first.pk}/")
    page.get_by_role("link", name="Notifiche 1 non letta").wait_for()

    page.goto("/notifiche/")
    page.get_by_role("button", name="Segna tutte come lette").click()
    page.get_by_text("Tutte le notifiche sono segnate come lette.").wait_for()
    page.get_by_role("link", name="Notifiche", exact=True).wait_for()
    assert not Notification.objects.filter(user=editor_user, read_at__isnull=True).exists()
    assert_no_axe_violations(page)


def test_preferences_per_kind_and_quiet_hours(page, editor_user):
    login(page, editor_user)
    page.goto("/notifiche/preferenze/")
    assert_no_axe_violations(page)

    mentions = page.get_by_role("group", name="Menzioni nei commenti")
    mentions.get_by_text("Riepilogo giornaliero via email").click()
    page.get_by_role("group", name="Miei post approvati").get_by_text("Solo nell'app").click()
    page.get_by_label("Nessuna email dalle").fill("20:00")
    page.get_by_role("button", name="Salva").click()
    page.get_by_text("Indica sia l'inizio sia la fine delle ore di silenzio.").first.wait_for()
    assert_no_axe_violations(page)

    page.get_by_label("alle", exact=True).fill("07:30")
    page.get_by_role("button", name="Salva").click()
    page.get_by_text("Preferenze di notifica salvate.").wait_for()
    prefs = NotificationSettings.objects.get(user=editor_user)
    assert prefs.choices[Kind.MENTION] == "digest"
    assert prefs.choices[Kind.APPROVED] == "in_app"
    assert f"{prefs.quiet_from:%H:%M}-{prefs.quiet_until:%H:%M}" == "20:00-07:30"


@pytest.mark.usefixtures("tasks_run_at_once")
def test_a_colleague_is_mentioned_with_the_keyboard_and_notified(
    page, editor_user, approver_user, admin_person
):
    post = post_in(S.DRAFT, author=editor_user, title="Sagra d'autunno")
    login(page, approver_user)
    page.goto(f"/revisione/post/{post.pk}/")

    box = page.get_by_label("Aggiungi un commento")
    box.click()
    box.press_sequentially("Chiedo a @")
    listbox = page.get_by_role("listbox", name="Colleghi da menzionare")
    options = listbox.get_by_role("option")
    options.first.wait_for()
    # Every colleague but the one writing; Arrow Down moves, Escape closes.
    assert options.all_inner_texts() == ["Anna (@amministratrice)", "Giulia (@redattrice)"]
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
    assert options.nth(1).get_attribute("aria-selected") == "true"
    box.press("Escape")
    listbox.wait_for(state="hidden")
    assert box.get_attribute("aria-activedescendant") is None

    box.press_sequentially("red")
    page.get_by_role("option", name="Giulia (@redattrice)").wait_for()
    assert options.all_inner_texts() == ["Giulia (@redattrice)"]
    assert box.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    assert_no_axe_violations(page)
    box.press("Enter")
    assert box.input_value() == "Chiedo a @redattrice "
    box.press_sequentially("di controllare l'orario")
    page.get_by_role("button", name="Commenta").click()
    page.get_by_text("Commento aggiunto.").wait_for()

    row = Notification.objects.get(user=editor_user, kind=Kind.MENTION)
    assert row.text == "Marco ti ha menzionato nei commenti di «Sagra d'autunno»"

    # The person mentioned finds it in the header and lands on the comment.
    page.context.clear_cookies()
    login(page, editor_user)
    page.get_by_role("link", name="Notifiche 1 non letta").click()
    page.get_by_role("link", name=row.text).click()
    page.wait_for_url(f"**/calendario/{post.pk}/#comment-*")
    assert page.locator(".review-comment-body").last.inner_text() == (
        "Chiedo a @redattrice di controllare l'orario"
    )


def test_the_bell_fits_the_phone_header(page, editor_user):
    for title in ("Uno", "Due"):
        notify([editor_user], Kind.APPROVED, params={"title": title})
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, editor_user)

    bell = page.get_by_role("link", name="Notifiche 2 non lette")
    bell.wait_for()
    box = bell.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 360
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    # One line: the bell does not push "Esci" below the slim header.
    logout = page.get_by_role("button", name="Esci").bounding_box()
    assert abs(logout["y"] + logout["height"] / 2 - (box["y"] + box["height"] / 2)) < 10
