"""The picker a post form includes, and the service that saves the post's choice."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.media_library import services
from apps.media_library.models import PostAsset
from tests.factories import PostFactory
from tests.media_library.conftest import jpeg_bytes, upload

pytestmark = pytest.mark.django_db
PICKER = reverse("media_library:picker")


def _add(by, colour, alt_text="Il municipio", **fields):
    asset = services.add_asset(
        upload=upload(jpeg_bytes(colour=colour)), by=by, alt_text=alt_text, **fields
    ).asset
    return asset


def test_the_post_uses_exactly_the_chosen_assets_in_order(uploader):
    post = PostFactory()
    a, b, c = (_add(uploader, (n * 70, 0, 0)) for n in range(3))
    services.set_post_assets(post=post, asset_ids=[a.pk, b.pk], by=uploader)
    services.set_post_assets(post=post, asset_ids=[c.pk, a.pk], by=uploader)
    assert list(PostAsset.objects.filter(post=post).values_list("asset", flat=True)) == [c.pk, a.pk]
    assert AuditEntry.objects.filter(action="media.post_assets").count() == 2


def test_choosing_an_unusable_asset_changes_nothing(uploader):
    post = PostFactory()
    good = _add(uploader, (1, 1, 1))
    bare = _add(uploader, (90, 90, 90), alt_text="")
    services.set_post_assets(post=post, asset_ids=[good.pk], by=uploader)
    with pytest.raises(services.AssetRefused, match="Manca il testo alternativo."):
        services.set_post_assets(post=post, asset_ids=[bare.pk], by=uploader)
    assert list(PostAsset.objects.filter(post=post).values_list("asset", flat=True)) == [good.pk]


def test_an_asset_already_used_stays_after_its_rights_expire(uploader):
    post = PostFactory()
    asset = _add(uploader, (1, 1, 1))
    services.set_post_assets(post=post, asset_ids=[asset.pk], by=uploader)
    asset.rights_expire_on = timezone.localdate() - timedelta(days=1)
    asset.save(update_fields=["rights_expire_on"])
    services.set_post_assets(post=post, asset_ids=[asset.pk], by=uploader)
    assert PostAsset.objects.filter(post=post).count() == 1


def test_the_picker_offers_usable_assets_and_keeps_the_chosen_ones(editor_client, editor):
    piazza = _add(editor, (10, 10, 10), alt_text="Piazza Grande", tag_names=["sagra"])
    parco = _add(editor, (120, 120, 120), alt_text="Parco comunale")
    _add(editor, (200, 10, 10), alt_text="")  # no alt text: not offered
    expired = _add(editor, (10, 200, 10), alt_text="Vecchio manifesto")
    expired.rights_expire_on = timezone.localdate() - timedelta(days=1)
    expired.save(update_fields=["rights_expire_on"])

    everything = editor_client.get(PICKER)
    assert [a.pk for a in everything.context["picker_assets"]] == [parco.pk, piazza.pk]

    # A search for "sagra" with the park chosen: the park stays, ticked, first.
    response = editor_client.get(
        PICKER, {"media_q": "sagra", "media_assets": [parco.pk, "x", "99999999999999999999"]}
    )
    assert [a.pk for a in response.context["picker_assets"]] == [parco.pk, piazza.pk]
    body = response.content.decode()
    assert f'value="{parco.pk}" id="media-asset-{parco.pk}" checked' in body
    assert f'value="{piazza.pk}" id="media-asset-{piazza.pk}">' in body


def test_the_picker_answers_htmx_with_its_results_only(editor_client, editor):
    _add(editor, (10, 10, 10), alt_text="Piazza <Grande>")
    response = editor_client.get(PICKER, {"media_q": "piazza"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="media-picker-results"')
    assert "Piazza &lt;Grande&gt;" in body


@pytest.mark.parametrize("count", [1, 3])
def test_the_picker_runs_a_fixed_number_of_queries(
    editor_client, editor, django_assert_num_queries, count
):
    ids = [_add(editor, (n * 60, 5, 5), collection_name="Sagra").pk for n in range(count)]
    editor_client.get(PICKER)
    # session, user, groups, crisis banner, the chosen assets, the other assets
    with django_assert_num_queries(6):
        response = editor_client.get(PICKER, {"media_assets": ids[:1]})
    assert len(response.context["picker_assets"]) == count
