"""The notification centre's pages through the Django client."""

import pytest
from django.urls import reverse

from apps.notifications.enums import Kind
from apps.notifications.models import Notification, NotificationSettings
from apps.notifications.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _notify(user, title, url="/calendario/"):
    notify([user], Kind.APPROVED, params={"title": title}, url=url)
    return Notification.objects.filter(user=user).latest("pk")


def test_the_list_shows_only_my_notifications_newest_first(editor_client, editor, approver):
    _notify(editor, "Primo")
    _notify(editor, "<b>Secondo</b>")
    _notify(approver, "Di un altro")

    body = editor_client.get(reverse("notifications:list")).content.decode()

    assert body.index("Approvato: «&lt;b&gt;Secondo&lt;/b&gt;»") < body.index("Approvato: «Primo»")
    assert "Di un altro" not in body
    assert "2 notifiche da leggere" in body


def test_the_header_shows_the_unread_count_on_every_staff_page(editor_client, editor):
    _notify(editor, "Primo")
    _notify(editor, "Secondo")

    body = editor_client.get(reverse("home")).content.decode()

    assert 'href="/notifiche/"' in body
    assert '<span class="badge bg-white text-primary" data-unread-count>2' in body
    assert '2<span class="visually-hidden"> non lette</span>' in body


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(editor_client, editor):
    row = _notify(editor, "Primo", url="/calendario/5/")

    response = editor_client.get(reverse("notifications:open", args=[row.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/calendario/5/"
    assert Notification.objects.get(pk=row.pk).read_at is not None


def test_someone_elses_notification_is_not_found_and_stays_unread(editor_client, approver):
    row = _notify(approver, "Di un altro")

    assert editor_client.get(reverse("notifications:open", args=[row.pk])).status_code == 404
    response = editor_client.post(reverse("notifications:mark_read", args=[row.pk]))
    assert response.status_code == 404
    assert Notification.objects.get(pk=row.pk).read_at is None


def test_marking_read_in_place_refreshes_the_list_and_tells_the_bell(editor_client, editor):
    first = _notify(editor, "Primo")
    _notify(editor, "Secondo")

    response = editor_client.post(reverse("notifications:mark_read", args=[first.pk]), **HTMX)

    body = response.content.decode()
    assert response["HX-Trigger"] == "notificationsChanged"
    assert body.lstrip().startswith('<section id="notification-list"')
    assert "Notifica segnata come letta." in body
    assert "1 notifica da leggere" in body


def test_marking_all_read_without_javascript_returns_to_the_list(editor_client, editor):
    _notify(editor, "Primo")
    _notify(editor, "Secondo")

    response = editor_client.post(reverse("notifications:mark_all_read"), follow=True)

    assert response.redirect_chain == [("/notifiche/", 302)]
    assert "Tutte le notifiche sono segnate come lette." in response.content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_the_bell_fragment_counts_again(editor_client, editor):
    _notify(editor, "Primo")

    body = editor_client.get(reverse("notifications:bell"), **HTMX).content.decode()

    assert body.lstrip().startswith('<a id="notification-bell"')
    assert '1<span class="visually-hidden"> non letta</span>' in body


def test_preferences_are_saved_per_kind_with_quiet_hours(editor_client, editor):
    data = dict.fromkeys(Kind.values, "email_now")
    data.update(approved="in_app", mention="digest", quiet_from="20:00", quiet_until="07:30")

    response = editor_client.post(reverse("notifications:preferences"), data)

    assert response.status_code == 302
    prefs = NotificationSettings.objects.get(user=editor)
    assert prefs.choices["approved"] == "in_app"
    assert prefs.choices["mention"] == "digest"
    assert (prefs.quiet_from.isoformat(), prefs.quiet_until.isoformat()) == ("20:00:00", "07:30:00")
    page = editor_client.get(reverse("notifications:preferences")).content.decode()
    assert 'value="in_app" class="form-check-input" id="id_approved_0" required checked' in page
    assert 'value="digest" class="form-check-input" id="id_mention_2" required checked' in page
    assert 'value="20:00"' in page


def test_half_quiet_hours_keep_what_was_typed_with_an_error(editor_client, editor):
    data = dict.fromkeys(Kind.values, "digest")
    data.update(quiet_from="21:00", quiet_until="")

    response = editor_client.post(reverse("notifications:preferences"), data)

    body = response.content.decode()
    assert response.status_code == 400
    assert "Indica sia l&#x27;inizio sia la fine delle ore di silenzio." in body
    assert 'value="21:00"' in body
    assert not NotificationSettings.objects.filter(user=editor).exists()


def test_a_forged_choice_is_refused(editor_client, editor):
    data = dict.fromkeys(Kind.values, "digest")
    data.update(approved="<script>", quiet_from="", quiet_until="")

    response = editor_client.post(reverse("notifications:preferences"), data)

    assert response.status_code == 400
    assert "<script>" not in response.content.decode()


def test_colleagues_to_mention_are_staff_whose_name_starts_with_the_query(editor_client):
    UserFactory(username="anna", first_name="Anna", last_name="Rossi", role="Redazione")
    UserFactory(username="annibale", role="Approvatori")
    UserFactory(username="anna_esterna")  # no role: sees no post
    UserFactory(username="anna_ex", role="Redazione", is_active=False)
    UserFactory(username="marco", role="Redazione")

    response = editor_client.get(reverse("notifications:people"), {"q": "@ann"})

    assert response.json() == {
        "people": [
            {"username": "anna", "name": "Anna Rossi"},
            {"username": "annibale", "name": "annibale"},
        ]
    }


def test_the_list_costs_the_same_queries_for_one_or_many(
    editor_client, editor, django_assert_max_num_queries
):
    _notify(editor, "Uno")
    with django_assert_max_num_queries(30) as one:
        editor_client.get(reverse("notifications:list"))
    for i in range(30):
        _notify(editor, f"Altro {i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        editor_client.get(reverse("notifications:list"))


def test_the_header_count_is_kept_for_a_moment_and_forgotten_on_a_change(
    editor_client, editor, django_assert_max_num_queries
):
    _notify(editor, "Primo")
    editor_client.get(reverse("home"))

    with django_assert_max_num_queries(100) as again:
        body = editor_client.get(reverse("home")).content.decode()
    assert not [q for q in again.captured_queries if "notifications_notification" in q["sql"]]
    assert '1<span class="visually-hidden"> non letta</span>' in body

    _notify(editor, "Secondo")  # a new notification forgets the kept count

    body = editor_client.get(reverse("home")).content.decode()
    assert '2<span class="visually-hidden"> non lette</span>' in body


def test_the_person_writing_is_not_offered_to_mention(editor_client, editor, other_editor):
    response = editor_client.get(reverse("notifications:people"))

    names = [p["username"] for p in response.json()["people"]]
    assert other_editor.username in names
    assert editor.username not in names


def test_a_stored_link_to_another_site_is_never_followed(editor_client, editor):
    row = _notify(editor, "Primo")
    Notification.objects.filter(pk=row.pk).update(url="/\\altrove.example/")

    response = editor_client.get(reverse("notifications:open", args=[row.pk]))

    assert response["Location"] == "/notifiche/"
