"""The library's pages through the Django client: upload, list and filters, asset page,
focal point, replacement, deletion."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from apps.media_library import services
from apps.media_library.models import Asset, PostAsset
from apps.media_library.networks import NETWORKS
from tests.factories import PostFactory
from tests.media_library.conftest import (
    GPS_IFD,
    jpeg_bytes,
    png_bytes,
    stored_files,
    upload,
    video_bytes,
)

pytestmark = pytest.mark.django_db

LIBRARY = reverse("media_library:library")
UPLOAD = reverse("media_library:upload")


def _file(data, name):
    return SimpleUploadedFile(name, data)


def _add(by, colour=(1, 2, 3), **kwargs):
    kwargs.setdefault("alt_text", "Il municipio")
    return services.add_asset(upload=upload(jpeg_bytes(colour=colour)), by=by, **kwargs).asset


def test_several_files_are_uploaded_at_once_without_javascript(editor_client, editor, media_root):
    response = editor_client.post(
        UPLOAD,
        {
            "files": [
                _file(jpeg_bytes(gps=True), "DSC_0001.jpg"),
                _file(png_bytes(), "logo.png"),
            ],
            "alt_text": "Bancarelle in piazza",
            "licence": "cc-by",
            "credits": "Mario Rossi",
            "tags": "sagra, piazza",
            "collection": "Sagra d'autunno 2026",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == LIBRARY
    assets = list(Asset.objects.order_by("id"))
    assert [a.file.name.rsplit(".", 1)[1] for a in assets] == ["jpg", "png"]
    assert {a.alt_text for a in assets} == {"Bancarelle in piazza"}
    assert {a.collection.name for a in assets} == {"Sagra d'autunno 2026"}
    assert all(a.uploaded_by == editor for a in assets)
    with Image.open(media_root / assets[0].file.name) as stored:
        assert stored.getexif().get_ifd(GPS_IFD) == {}
    assert not any("DSC_0001" in name for name in stored_files(media_root))


def test_each_file_gets_its_own_outcome_and_a_duplicate_links_the_existing_one(
    editor_client, editor, media_root
):
    existing = _add(editor, colour=(5, 5, 5))
    response = editor_client.post(
        UPLOAD,
        {
            "files": [
                _file(jpeg_bytes(colour=(5, 5, 5)), "copia.jpg"),
                _file(b"<html><script>alert(1)</script>", "finta.jpg"),
                _file(jpeg_bytes(colour=(90, 90, 90)), "nuova.jpg"),
            ],
            "licence": "comune",
        },
    )
    assert response.status_code == 200
    rows = response.context["results"]
    assert [row["number"] for row in rows] == [1, 2, 3]
    assert rows[0]["asset"] == existing and rows[0]["duplicate"] is True
    assert "non è un'immagine valida" in rows[1]["error"]
    assert rows[2]["duplicate"] is False
    assert Asset.objects.count() == 2
    body = response.content.decode()
    assert existing.get_absolute_url() in body
    assert "&lt;script&gt;" not in body and "finta.jpg" not in body


def test_an_upload_declared_too_large_is_refused_unread_with_a_message(
    editor_client, settings, media_root
):
    settings.MEDIA_MAX_REQUEST_BYTES = 1000
    response = editor_client.post(
        UPLOAD,
        {"files": [_file(jpeg_bytes(size=(400, 400)), "big.jpg")], "licence": "comune"},
    )
    assert response.status_code == 413
    assert "Caricamento troppo grande" in response.content.decode()
    assert Asset.objects.count() == 0
    assert stored_files(media_root) == []


def test_other_licence_needs_its_text_and_the_form_keeps_what_was_typed(editor_client):
    response = editor_client.post(
        UPLOAD,
        {
            "files": [_file(jpeg_bytes(), "a.jpg")],
            "licence": "altra",
            "credits": "Archivio <b>storico</b>",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["licence_other"] == [
        "Scrivi la licenza o l'accordo d'uso."
    ]
    assert 'value="Archivio &lt;b&gt;storico&lt;/b&gt;"' in response.content.decode()
    assert Asset.objects.count() == 0


def test_too_many_files_at_once_are_refused(editor_client, settings):
    settings.MEDIA_MAX_FILES_PER_UPLOAD = 1
    response = editor_client.post(
        UPLOAD,
        {
            "files": [_file(jpeg_bytes(), "a.jpg"), _file(png_bytes(), "b.png")],
            "licence": "comune",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["files"] == ["Al massimo 1 file per volta."]


@pytest.mark.parametrize("view_mode", ["griglia", "elenco"])
@pytest.mark.parametrize("count", [1, 3])
def test_the_library_runs_a_fixed_number_of_queries(
    editor_client, editor, django_assert_num_queries, count, view_mode
):
    for n in range(count):
        asset = _add(editor, colour=(n * 60, 10, 10), tag_names=["piazza"], collection_name="Sagra")
        services.attach_asset(post=PostFactory(), asset=asset, by=editor)
    url = f"{LIBRARY}?vista={view_mode}"
    editor_client.get(url)  # warm the session and role caches

    # session, user, groups, count, crisis banner, the filter's tags, collections and
    # uploaders, the assets (uploader, collection, use count joined), their tags
    with django_assert_num_queries(10):
        response = editor_client.get(url)
    assert len(response.context["page"].object_list) == count


def test_the_library_filters_by_text_type_tag_collection_uploader_date_and_use(
    editor_client, editor, approver
):
    sagra = _add(editor, colour=(1, 1, 1), alt_text="Castagne in piazza", tag_names=["sagra"])
    mercato = _add(
        approver, colour=(2, 2, 2), alt_text="Banchi del mercato", collection_name="Mercati"
    )
    services.attach_asset(post=PostFactory(), asset=mercato, by=approver)
    old = _add(editor, colour=(3, 3, 3), alt_text="Foto d'archivio")
    Asset.objects.filter(pk=old.pk).update(uploaded_at=timezone.now() - timedelta(days=400))
    tag = sagra.tags.get()

    def found(**query):
        response = editor_client.get(LIBRARY, query)
        assert response.status_code == 200
        return [a.pk for a in response.context["page"].object_list]

    assert found(q="castagne PIAZZA") == [sagra.pk]
    assert found(kind="image") == [mercato.pk, sagra.pk, old.pk]
    assert found(kind="video") == []
    assert found(tag=tag.pk) == [sagra.pk]
    assert found(collection=mercato.collection_id) == [mercato.pk]
    assert found(uploader=approver.pk) == [mercato.pk]
    assert found(usage="used") == [mercato.pk]
    assert found(usage="unused") == [sagra.pk, old.pk]
    day = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert found(al=day) == [old.pk]
    assert found(dal=day) == [mercato.pk, sagra.pk]
    # Bad input is ignored rather than failing: the whole library is shown.
    assert found(tag="99999999999999999999999", dal="ieri") == [mercato.pk, sagra.pk, old.pk]


def test_the_library_answers_htmx_with_the_results_only(editor_client, editor):
    _add(editor, alt_text="Municipio")
    response = editor_client.get(LIBRARY, {"q": "municipio"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="media-results"')
    assert "Municipio" in body
    assert response["HX-Push-Url"] == f"{LIBRARY}?q=municipio"


def test_the_asset_page_saves_texts_rights_tags_and_keeps_input_on_error(editor_client, editor):
    asset = _add(editor, alt_text="")
    url = asset.get_absolute_url()
    page = editor_client.get(url)
    assert "Manca il testo alternativo." in page.content.decode()

    bad = editor_client.post(
        url, {"alt_text": "Il sindaco", "licence": "altra", "tags_text": "giunta, sindaco"}
    )
    assert bad.status_code == 400
    assert 'value="giunta, sindaco"' in bad.content.decode()

    good = editor_client.post(
        url,
        {
            "alt_text": "Il municipio illuminato di sera",
            "caption": "Piazza Grande",
            "credits": "Ufficio stampa",
            "licence": "cc-by-sa",
            "rights_expire_on": "2027-12-31",
            "people_release": "on",
            "tags_text": "municipio, sera",
            "collection_name": "Natale 2026",
        },
    )
    assert good.status_code == 302
    asset.refresh_from_db()
    assert asset.alt_text == "Il municipio illuminato di sera"
    assert asset.people_release is True
    assert str(asset.rights_expire_on) == "2027-12-31"
    assert sorted(t.name for t in asset.tags.all()) == ["municipio", "sera"]
    assert asset.collection.name == "Natale 2026"


def test_the_focal_point_is_set_by_form_and_refused_outside_the_image(editor_client, editor):
    asset = _add(editor)
    url = reverse("media_library:focal_point", kwargs={"pk": asset.pk})
    response = editor_client.post(url, {"x": 25, "y": 80})
    assert response.status_code == 302
    asset.refresh_from_db()
    assert (asset.focal_x, asset.focal_y) == (0.25, 0.8)

    partial = editor_client.post(url, {"x": 140, "y": "a"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 400
    assert "Punto focale non valido" in partial.content.decode()
    asset.refresh_from_db()
    assert (asset.focal_x, asset.focal_y) == (0.25, 0.8)


def test_deleting_an_asset_in_use_lists_the_posts_and_keeps_it(editor_client, editor):
    asset = _add(editor)
    post = PostFactory(title="Sagra <della> castagna")
    services.attach_asset(post=post, asset=asset, by=editor)
    url = reverse("media_library:delete", kwargs={"pk": asset.pk})

    response = editor_client.post(url)

    assert response.status_code == 409
    assert [use.post for use in response.context["uses"]] == [post]
    assert "Sagra &lt;della&gt; castagna" in response.content.decode()
    assert Asset.objects.filter(pk=asset.pk).exists()


def test_deleting_an_unused_asset(editor_client, editor):
    asset = _add(editor)
    response = editor_client.post(reverse("media_library:delete", kwargs={"pk": asset.pk}))
    assert response.status_code == 302
    assert Asset.objects.count() == 0


def test_replacing_the_file_from_the_page_keeps_its_uses(editor_client, editor):
    asset = _add(editor)
    post = PostFactory()
    services.attach_asset(post=post, asset=asset, by=editor)
    response = editor_client.post(
        reverse("media_library:replace", kwargs={"pk": asset.pk}),
        {"file": _file(png_bytes(size=(30, 20)), "nuova.png")},
    )
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.file.name.endswith(".png") and (asset.width, asset.height) == (30, 20)
    assert list(PostAsset.objects.filter(asset=asset).values_list("post", flat=True)) == [post.pk]


def test_replacing_with_a_non_image_shows_the_reason(editor_client, editor):
    asset = _add(editor)
    before = asset.file.name
    response = editor_client.post(
        reverse("media_library:replace", kwargs={"pk": asset.pk}),
        {"file": _file(b"not an image", "x.jpg")},
    )
    assert response.status_code == 400
    assert "non è un&#x27;immagine valida" in response.content.decode()
    asset.refresh_from_db()
    assert asset.file.name == before


def test_a_missing_asset_is_404(editor_client):
    assert editor_client.get(reverse("media_library:detail", kwargs={"pk": 999})).status_code == 404


def test_the_asset_page_shows_the_renditions_and_posts_after_rights_expiry(editor_client, editor):
    asset = _add(editor, alt_text="Manifesto")
    Asset.objects.filter(pk=asset.pk).update(rights_expire_on=timezone.localdate())
    late = PostFactory(title="Post tardivo", planned_at=timezone.now() + timedelta(days=3))
    PostAsset.objects.create(post=late, asset=asset)
    services.make_renditions(asset_id=asset.pk)

    response = editor_client.get(asset.get_absolute_url())

    assert [p.pk for p in response.context["flagged"]] == [late.pk]
    assert "questi post sono previsti dopo" in response.content.decode()
    assert len([r for _limits, r in response.context["renditions"] if r]) == len(NETWORKS)


def test_a_video_upload_streams_to_disk_and_its_page_lists_each_networks_limits(
    needs_ffmpeg, editor_client, tmp_path, settings
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # would keep it in memory otherwise
    data = video_bytes(tmp_path, seconds=4, size="320x240")
    response = editor_client.post(
        UPLOAD,
        {"files": [_file(data, "VID_0001.MOV")], "alt_text": "Prova", "licence": "comune"},
    )
    assert response.status_code == 302
    asset = Asset.objects.get()
    assert asset.kind == "video" and asset.poster.name.endswith("-poster.jpg")

    page = editor_client.get(asset.get_absolute_url())
    fit = {str(limits.label): problems for limits, problems in page.context["video_fit"]}
    assert fit["X"] == []
    assert fit["Instagram"] == []
    body = page.content.decode()
    assert "320 × 240 pixel, 4,0 secondi, codec h264." in body


def test_the_pages_script_gets_one_files_outcome_only(editor_client, settings):
    response = editor_client.post(
        UPLOAD,
        {"files": [_file(jpeg_bytes(), "a.jpg")], "licence": "comune"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    asset = Asset.objects.get()
    assert response.content.decode().strip() == (
        f'caricato: <a href="{asset.get_absolute_url()}">completa i dati</a>'
    )

    settings.MEDIA_MAX_REQUEST_BYTES = 100
    too_big = editor_client.post(
        UPLOAD,
        {"files": [_file(jpeg_bytes(colour=(9, 99, 9)), "b.jpg")], "licence": "comune"},
        HTTP_HX_REQUEST="true",
    )
    assert too_big.status_code == 413
    assert (
        too_big.content.decode()
        .strip()
        .startswith('<strong class="text-danger">Caricamento troppo grande')
    )
