"""Content categories: seeded, and administrators add, rename, recolour and retire them."""

import pytest
from django.urls import reverse

from apps.planning.forms import PostForm
from apps.planning.models import ContentCategory

pytestmark = pytest.mark.django_db


def test_the_three_pa_categories_are_seeded_with_descriptions_and_colours():
    seeded = list(ContentCategory.objects.values_list("slug", "name", "colour"))
    assert seeded[:3] == [
        ("informativo", "Informativo", "#0066CC"),
        ("come-fare", "Come fare", "#00704A"),
        ("territorio", "Territorio", "#7A3E9D"),
    ]
    assert all(c.description for c in ContentCategory.objects.all())
    assert sum(c.target_share for c in ContentCategory.objects.all()) == 100


def test_an_admin_renames_recolours_and_retires_a_category(admin_client_):
    category = ContentCategory.objects.get(slug="territorio")
    response = admin_client_.post(
        reverse("planning:category_edit", args=[category.pk]),
        {
            "name": "Territorio e turismo",
            "slug": "territorio",
            "colour": "#8a2be2",
            "target_share": "20",
            "position": "3",
        },
    )
    category.refresh_from_db()
    assert response.status_code == 302
    assert (category.name, category.colour, category.target_share, category.active) == (
        "Territorio e turismo",
        "#8a2be2",
        20,
        False,
    )
    assert category not in PostForm().fields["category"].queryset


def test_a_bad_colour_or_share_is_a_field_error(admin_client_):
    response = admin_client_.post(
        reverse("planning:category_create"),
        {"name": "Nuova", "slug": "nuova", "colour": "red;}", "target_share": "140"},
    )
    body = response.content.decode()
    assert "Usa un colore esadecimale" in body and "da 0 a 100" in body
    assert not ContentCategory.objects.filter(slug="nuova").exists()


def test_the_list_shows_names_next_to_colours(admin_client_):
    body = admin_client_.get(reverse("planning:category_list")).content.decode()
    assert ">Informativo</span>" in body and "#0066CC" in body
