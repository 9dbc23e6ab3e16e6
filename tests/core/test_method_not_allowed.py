"""A GET on a POST-only address gets a page that explains, not an empty 405."""

import pytest
from django.urls import reverse

from tests.factories import PostFactory
from tests.slots.factories import SlotFactory

pytestmark = pytest.mark.django_db


def test_opening_a_slot_fill_address_explains_it_is_a_button(editor_client):
    slot = SlotFactory()
    calendar = "http://testserver" + reverse("planning:calendar")
    response = editor_client.get(reverse("slots:fill", args=[slot.pk]), HTTP_REFERER=calendar)
    body = response.content.decode()
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "<h1>Questa azione si fa da un pulsante</h1>" in body
    assert f'<a href="{calendar}">Torna alla pagina da cui venivi</a>' in body


def test_opening_a_move_address_explains_and_ignores_a_foreign_referer(editor_client, editor):
    post = PostFactory(author=editor)
    response = editor_client.get(
        reverse("planning:post_reschedule", args=[post.pk]),
        HTTP_REFERER="https://evil.example/",
    )
    body = response.content.decode()
    assert response.status_code == 405
    assert "Questa azione si fa da un pulsante" in body
    assert "evil.example" not in body
    assert "Content-Security-Policy" in response.headers
