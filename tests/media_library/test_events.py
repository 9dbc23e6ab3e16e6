"""Public events show an image of the library: picked in the event form (the same picker as
the post editor, one image), its alt text on the public page, its file in the iCal feed,
listed where the asset is used, protecting it from deletion, flagged after its rights end."""

from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from apps.events import services as event_services
from apps.events.models import Event, EventCategory, EventStatus
from apps.media_library import selectors, services
from apps.media_library.enums import Licence
from apps.media_library.models import Asset, EventAsset
from tests.factories import EventFactory
from tests.media_library.conftest import (
    GPS_IFD,
    jpeg_bytes,
    png_bytes,
    stored_files,
    upload,
    video_bytes,
)

pytestmark = pytest.mark.django_db

CREATE = "/eventi/gestione/nuovo/"


def _add(by, colour=(1, 2, 3), **kwargs):
    kwargs.setdefault("alt_text", "La piazza illuminata per la sagra")
    return services.add_asset(upload=upload(jpeg_bytes(colour=colour)), by=by, **kwargs).asset


@pytest.fixture
def cultura(db):
    return EventCategory.objects.get(slug="cultura")


def _form(category, **overrides):
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    data = {
        "title": "Sagra d'autunno",
        "category": category.pk,
        "start_date": day,
        "start_time": "18:00",
        "end_time": "23:00",
        "location_name": "Piazza del Municipio",
        "published": "on",
    }
    data.update(overrides)
    return data


def _event_with(asset, by, **kwargs):
    event = EventFactory(**kwargs)
    services.set_event_asset(event=event, asset_id=asset.pk, by=by)
    event.refresh_from_db()
    return event


def test_the_event_form_offers_the_librarys_images_as_one_choice(editor_client, editor):
    image = _add(editor)
    logo = services.add_asset(
        upload=upload(png_bytes(), name="x.png"), by=editor, alt_text="Un logo"
    ).asset
    no_alt = _add(editor, colour=(9, 9, 9), alt_text="")
    page = editor_client.get(CREATE).content.decode()
    assert 'type="radio" name="media_assets" value=""' in page  # "no image from the library"
    assert f'type="radio" name="media_assets" value="{image.pk}"' in page
    assert f'id="media-asset-{logo.pk}"' in page  # an image too (PNG)
    assert f'id="media-asset-{no_alt.pk}"' not in page  # not usable: no alt text
    assert 'name="picker_single" value="1"' in page


def test_videos_are_not_offered_to_events(editor_client, editor, tmp_path, needs_ffmpeg):
    clip = services.add_asset(
        upload=upload(video_bytes(tmp_path), name="v.mp4"), by=editor, alt_text="Il corteo"
    ).asset
    results = editor_client.get(
        reverse("media_library:picker"), {"picker_single": "1"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert f'id="media-asset-{clip.pk}"' not in results
    event = EventFactory()
    with pytest.raises(services.AssetRefused, match="non un video"):
        services.set_event_asset(event=event, asset_id=clip.pk, by=editor)


def test_an_event_created_with_a_library_image_shows_it_with_the_assets_alt_text(
    editor_client, editor, client, cultura
):
    asset = _add(editor)
    response = editor_client.post(CREATE, {**_form(cultura), "media_assets": str(asset.pk)})
    assert response.status_code == 302
    event = Event.objects.get()
    assert EventAsset.objects.get(event=event).asset == asset
    assert (event.image.name, event.image_alt) == (asset.file.name, asset.alt_text)
    client.logout()
    page = client.get(event.get_absolute_url()).content.decode()
    assert f'src="{asset.file.url}" alt="La piazza illuminata per la sagra"' in page


def test_the_ical_feed_carries_the_library_image(editor, client):
    asset = _add(editor)
    event = _event_with(asset, editor)
    body = client.get(reverse("events:event_ics", args=[event.pk])).content
    (vevent,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(vevent["IMAGE"]).endswith(asset.file.url)
    assert vevent["IMAGE"].params["FMTTYPE"] == "image/jpeg"


def test_changing_the_assets_alt_text_changes_it_on_the_event(editor, client):
    asset = _add(editor)
    event = _event_with(asset, editor)
    before = event.updated_at
    services.update_asset(
        asset=asset,
        by=editor,
        alt_text="Bancarelle sotto i portici",
        caption="",
        credits="",
        licence=asset.licence,
        licence_other="",
        rights_expire_on=None,
        people_release=False,
        tag_names=[],
        collection_name="",
    )
    event.refresh_from_db()
    assert event.image_alt == "Bancarelle sotto i portici"
    assert event.updated_at > before  # the feeds' LAST-MODIFIED moves with it
    page = client.get(event.get_absolute_url()).content.decode()
    assert 'alt="Bancarelle sotto i portici"' in page


def test_an_emptied_alt_text_keeps_the_events_last_description(editor):
    asset = _add(editor)
    event = _event_with(asset, editor)
    services.update_asset(
        asset=asset,
        by=editor,
        alt_text="",
        caption="",
        credits="",
        licence=asset.licence,
        licence_other="",
        rights_expire_on=None,
        people_release=False,
        tag_names=[],
        collection_name="",
    )
    event.refresh_from_db()
    assert event.image_alt == "La piazza illuminata per la sagra"


def test_replacing_the_file_keeps_the_event_and_shows_the_new_file(editor):
    asset = _add(editor)
    event = _event_with(asset, editor)
    services.replace_file(asset=asset, upload=upload(jpeg_bytes(colour=(50, 60, 70))), by=editor)
    event.refresh_from_db()
    asset.refresh_from_db()
    assert EventAsset.objects.get(event=event).asset == asset
    assert event.image.name == asset.file.name


def test_an_asset_without_alt_text_or_with_expired_rights_cannot_be_chosen(editor):
    event = EventFactory()
    no_alt = _add(editor, alt_text="")
    with pytest.raises(services.AssetRefused, match="testo alternativo"):
        services.set_event_asset(event=event, asset_id=no_alt.pk, by=editor)
    expired = _add(editor, colour=(4, 5, 6))
    expired.rights_expire_on = timezone.localdate() - timedelta(days=1)
    expired.save()
    with pytest.raises(services.AssetRefused, match="scaduti"):
        services.set_event_asset(event=event, asset_id=expired.pk, by=editor)
    assert not EventAsset.objects.exists()
    event.refresh_from_db()
    assert not event.image


def test_a_refused_choice_is_a_form_error_and_nothing_is_saved(editor_client, editor, cultura):
    expired = _add(editor)
    expired.rights_expire_on = timezone.localdate() - timedelta(days=1)
    expired.save()
    response = editor_client.post(CREATE, {**_form(cultura), "media_assets": str(expired.pk)})
    assert response.status_code == 200
    assert "scaduti" in response.content.decode()
    assert 'value="Sagra d&#x27;autunno"' in response.content.decode()
    assert Event.objects.count() == 0


def test_an_uploaded_image_and_a_library_image_together_are_refused(editor_client, editor, cultura):
    asset = _add(editor)
    response = editor_client.post(
        CREATE,
        {
            **_form(cultura),
            "media_assets": str(asset.pk),
            "image": upload(png_bytes(), name="locandina.png", content_type="image/png"),
            "image_alt": "Locandina",
        },
    )
    assert "image" in response.context["form"].errors
    assert Event.objects.count() == 0


def test_choosing_no_library_image_removes_it_from_the_event(editor_client, editor, cultura):
    asset = _add(editor)
    event = _event_with(asset, editor, category=cultura)
    data = _form(cultura, media_assets="")
    response = editor_client.post(reverse("events:manage_edit", args=[event.pk]), data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert not event.image and event.image_alt == ""
    assert not EventAsset.objects.exists()


def test_the_edit_form_shows_the_chosen_image_checked(editor_client, editor):
    asset = _add(editor)
    event = _event_with(asset, editor)
    page = editor_client.get(reverse("events:manage_edit", args=[event.pk])).content.decode()
    assert f'value="{asset.pk}" id="media-asset-{asset.pk}" checked' in page


def test_searching_the_library_without_javascript_keeps_the_form_unsaved(
    editor_client, editor, cultura
):
    _add(editor, alt_text="Il campanile")
    _add(editor, colour=(7, 7, 7), alt_text="Il fiume")
    response = editor_client.post(
        CREATE, {**_form(cultura), "media_q": "campanile", "media_search": "1"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Il campanile" in page and "Il fiume" not in page
    assert "non è ancora salvato" in page
    assert Event.objects.count() == 0


def test_where_used_lists_the_events(editor_client, editor):
    asset = _add(editor)
    _event_with(asset, editor, title="Concerto di Natale")
    page = editor_client.get(asset.get_absolute_url()).content.decode()
    assert "Concerto di Natale" in page
    assert (
        selectors.assets_for_library(filters=selectors.LibraryFilters(usage="used")).get() == asset
    )


def test_deleting_an_asset_an_event_shows_is_refused_with_the_events(editor_client, editor):
    asset = _add(editor)
    event = _event_with(asset, editor, title="Concerto di Natale")
    with pytest.raises(services.AssetInUse) as refused:
        services.delete_asset(asset=asset, by=editor)
    assert refused.value.events == [event]
    assert "1 evento" in str(refused.value)
    response = editor_client.post(reverse("media_library:delete", args=[asset.pk]))
    assert response.status_code == 409
    assert "Concerto di Natale" in response.content.decode()
    assert asset.__class__.objects.filter(pk=asset.pk).exists()


def test_events_showing_the_image_after_its_rights_expire_are_flagged(editor_client, editor):
    now = timezone.localtime()
    expiry = timezone.localdate() + timedelta(days=10)
    asset = _add(editor, colour=(8, 8, 8))
    before = _event_with(asset, editor, title="Prima", starts_at=now + timedelta(days=3))
    after = _event_with(asset, editor, title="Dopo", starts_at=now + timedelta(days=20))
    series = _event_with(
        asset,
        editor,
        title="Mercato settimanale",
        starts_at=now + timedelta(days=2),
        rrule="FREQ=WEEKLY",
    )
    cancelled = _event_with(asset, editor, title="Annullato", starts_at=now + timedelta(days=30))
    Event.objects.filter(pk=cancelled.pk).update(status=EventStatus.CANCELLED)
    asset.rights_expire_on = expiry
    asset.save()
    flagged = selectors.events_after_rights_expiry(asset=asset)
    assert {e.title for e in flagged} == {"Dopo", "Mercato settimanale"}
    assert before not in flagged and after in flagged and series in flagged
    page = editor_client.get(asset.get_absolute_url()).content.decode()
    assert "ma questi eventi mostrano" in page


def test_an_all_day_event_ending_on_the_expiry_day_is_not_flagged(editor):
    day = timezone.localdate() + timedelta(days=4)
    midnight = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    asset = _add(editor)
    _event_with(asset, editor, all_day=True, starts_at=midnight, ends_at=midnight + timedelta(1))
    asset.rights_expire_on = day
    asset.save()
    assert selectors.events_after_rights_expiry(asset=asset) == []


def test_a_chosen_image_gone_from_the_library_is_a_form_error(editor_client, cultura):
    response = editor_client.post(CREATE, {**_form(cultura), "media_assets": "999999"})
    assert response.status_code == 200
    assert "non è più nella libreria" in response.content.decode()
    assert Event.objects.count() == 0
    nonsense = editor_client.post(CREATE, {**_form(cultura), "media_assets": "<b>1</b>"})
    assert "non è più nella libreria" in nonsense.content.decode()


def test_a_save_without_the_pickers_field_keeps_the_library_image(editor_client, editor, cultura):
    asset = _add(editor)
    event = _event_with(asset, editor, category=cultura)
    response = editor_client.post(
        reverse("events:manage_edit", args=[event.pk]), _form(cultura, title="Nuovo titolo")
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Nuovo titolo"
    assert EventAsset.objects.get(event=event).asset == asset
    assert event.image.name == asset.file.name


def test_the_event_form_warns_when_the_images_rights_end_before_the_event(editor_client, editor):
    asset = _add(editor)
    event = _event_with(asset, editor, starts_at=timezone.now() + timedelta(days=20))
    url = reverse("events:manage_edit", args=[event.pk])
    assert "scadono il" not in editor_client.get(url).content.decode()
    asset.rights_expire_on = timezone.localdate() + timedelta(days=5)
    asset.save()
    page = editor_client.get(url).content.decode()
    assert "prima della fine dell&#x27;evento" in page or "prima della fine dell'evento" in page
    assert asset.get_absolute_url() in page


# --- An image uploaded on the event form goes into the library ------------------------


def _gps_of(field) -> dict:
    field.open("rb")
    try:
        with Image.open(field) as stored:
            return dict(stored.getexif().get_ifd(GPS_IFD))
    finally:
        field.close()


def test_an_image_uploaded_on_the_event_form_becomes_a_library_asset_the_event_uses(
    editor_client, editor, cultura
):
    response = editor_client.post(
        CREATE,
        {
            **_form(cultura),
            "image": upload(jpeg_bytes(gps=True), name="IMG_0001.jpg"),
            "image_alt": "Il palco in piazza prima del concerto",
            "credits": "Ufficio stampa",
            "licence": Licence.CC_BY,
        },
    )
    assert response.status_code == 302
    event = Event.objects.get()
    asset = Asset.objects.get()
    assert EventAsset.objects.get(event=event).asset == asset
    assert (asset.alt_text, asset.credits, asset.licence, asset.uploaded_by) == (
        "Il palco in piazza prima del concerto",
        "Ufficio stampa",
        Licence.CC_BY,
        editor,
    )
    assert (event.image.name, event.image_alt) == (asset.file.name, asset.alt_text)
    assert _gps_of(asset.file) == {}  # cleaned by the library: no position
    page = editor_client.get(asset.get_absolute_url()).content.decode()
    assert "Sagra d&#x27;autunno" in page  # "where used" lists the event


def test_an_uploaded_image_already_in_the_library_is_the_existing_asset_and_the_person_is_told(
    editor_client, editor, cultura
):
    existing = _add(editor)
    response = editor_client.post(
        CREATE,
        {
            **_form(cultura),
            "image": upload(jpeg_bytes(colour=(1, 2, 3)), name="copia.jpg"),
            "image_alt": "Un'altra descrizione",
        },
        follow=True,
    )
    assert Asset.objects.get() == existing  # nothing stored twice
    event = Event.objects.get()
    assert EventAsset.objects.get(event=event).asset == existing
    assert event.image_alt == "La piazza illuminata per la sagra"  # the library's alt text
    assert f"era già nella libreria (n. {existing.pk})" in response.content.decode()


def test_a_refused_upload_is_a_form_error_keeps_what_was_typed_and_stores_nothing(
    editor_client, cultura, media_root
):
    fake = upload(b"GIF89a not really", name="finta.gif", content_type="image/gif")
    response = editor_client.post(
        CREATE, {**_form(cultura), "image": fake, "image_alt": "Locandina"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["image"]
    assert 'value="Sagra d&#x27;autunno"' in response.content.decode()
    assert (Event.objects.count(), Asset.objects.count(), EventAsset.objects.count()) == (0, 0, 0)
    assert stored_files(media_root) == []


def test_a_video_uploaded_on_the_event_form_is_refused(
    editor_client, cultura, media_root, tmp_path, needs_ffmpeg
):
    clip = upload(video_bytes(tmp_path), name="v.mp4", content_type="video/mp4")
    response = editor_client.post(CREATE, {**_form(cultura), "image": clip, "image_alt": "Corteo"})
    assert response.context["form"].errors["image"] == [
        "Un evento mostra un'immagine, non un video."
    ]
    assert (Event.objects.count(), Asset.objects.count()) == (0, 0)
    assert stored_files(media_root) == []


def test_an_uploaded_image_needs_alt_text_and_an_other_licence_its_text(editor_client, cultura):
    image = upload(jpeg_bytes(), name="a.jpg")
    no_alt = editor_client.post(CREATE, {**_form(cultura), "image": image})
    assert "image_alt" in no_alt.context["form"].errors
    other = editor_client.post(
        CREATE,
        {
            **_form(cultura),
            "image": upload(jpeg_bytes(), name="a.jpg"),
            "image_alt": "Locandina",
            "licence": Licence.OTHER,
        },
    )
    assert "licence_other" in other.context["form"].errors
    assert (Event.objects.count(), Asset.objects.count()) == (0, 0)


def test_an_upload_failing_after_processing_leaves_no_file(editor, media_root):
    """add_event_image stores the asset, then links it: a failure there (here the event was
    deleted meanwhile by someone else) leaves neither the row nor its files."""
    event = EventFactory()
    Event.objects.filter(pk=event.pk).delete()
    with pytest.raises(Event.DoesNotExist):
        services.add_event_image(
            event=event, upload=upload(jpeg_bytes()), alt_text="Il palco", by=editor
        )
    assert Asset.objects.count() == 0
    assert stored_files(media_root) == []


def test_removing_the_current_image_also_removes_a_library_one(editor_client, editor, cultura):
    asset = _add(editor)
    event = _event_with(asset, editor, category=cultura)
    response = editor_client.post(
        reverse("events:manage_edit", args=[event.pk]),
        _form(cultura, remove_image="on", media_assets=str(asset.pk)),
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.image.name, EventAsset.objects.count()) == ("", 0)


def test_an_events_image_written_directly_drops_the_stale_library_link(editor):
    """Whoever writes Event.image (here the events' own service), "where used", the deletion
    guard and the rights flags follow the image the event really shows."""
    asset = _add(editor)
    event = _event_with(asset, editor, title="Concerto di Natale")
    event_services.update_event(
        event=event, by=editor, image="events/2026/altra.jpg", image_alt="Un'altra foto"
    )
    assert not EventAsset.objects.exists()
    assert selectors.event_uses_of(asset=asset) == []
    services.delete_asset(asset=asset, by=editor)  # no longer in use
    event_services.update_event(event=event, by=editor, title="Concerto")  # no image change


def test_an_uploaded_image_whose_library_copy_has_expired_rights_is_refused_on_the_form(
    editor_client, editor, cultura, media_root
):
    existing = _add(editor)
    existing.rights_expire_on = timezone.localdate() - timedelta(days=1)
    existing.save()
    before = stored_files(media_root)
    response = editor_client.post(
        CREATE,
        {
            **_form(cultura),
            "image": upload(jpeg_bytes(colour=(1, 2, 3)), name="copia.jpg"),
            "image_alt": "La piazza",
        },
    )
    assert "scaduti" in " ".join(response.context["form"].errors["image"])
    assert (Event.objects.count(), Asset.objects.count(), EventAsset.objects.count()) == (0, 1, 0)
    assert stored_files(media_root) == before
