"""The post editor's "Scegli dalla libreria": the chosen assets are saved with the post in one
transaction, kept across a failed save, refused without alt text, and an asset whose rights
end before the post goes out is flagged in the editor and blocks approval."""

import datetime
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.media_library import services
from apps.media_library.models import Asset, PostAsset
from apps.media_library.rules import post_rights_problems
from apps.planning.enums import PostStatus as S
from apps.planning.forms import PostForm
from apps.planning.models import Post
from apps.review import services as review
from apps.review.services import ReviewError
from tests.factories import CategoryFactory, ChannelFactory, PostFactory
from tests.media_library.conftest import jpeg_bytes, upload
from tests.review.factories import post_in

pytestmark = pytest.mark.django_db
CREATE = reverse("planning:post_create")


def _add(by, colour, alt_text="Il municipio in piazza", **fields):
    return services.add_asset(
        upload=upload(jpeg_bytes(colour=colour)), by=by, alt_text=alt_text, **fields
    ).asset


def _day(days: int) -> datetime.date:
    return timezone.localdate() + timedelta(days=days)


def _data(channel, **overrides) -> dict:
    data = {
        "title": "Sagra d'autunno",
        "category": CategoryFactory(slug="eventi-test").pk,
        "planned_date": _day(3).isoformat(),
        "planned_time": "10:30",
        "channels": [channel.pk],
        "base_text": "Sabato la sagra d'autunno in piazza. https://comune.esempio.it",
        "link": "",
        "notes": "",
        "nuove-TOTAL_FORMS": "1",
        "nuove-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.fixture
def facebook():
    return ChannelFactory(name="Facebook · Comune", kind=ChannelKind.FACEBOOK)


def _uses(post) -> list[int]:
    return list(PostAsset.objects.filter(post=post).values_list("asset", flat=True))


def test_the_editor_offers_the_library_beside_the_upload(editor_client, editor):
    asset = _add(editor, (10, 10, 10), alt_text="Piazza Grande")
    body = editor_client.get(CREATE).content.decode()
    assert "Scegli dalla libreria" in body
    assert f'name="media_assets" value="{asset.pk}" id="media-asset-{asset.pk}">' in body
    assert 'name="nuove-0-image"' in body  # the upload is still there


def test_creating_a_post_saves_the_chosen_assets_in_order(editor_client, editor, facebook):
    a, b = _add(editor, (10, 10, 10)), _add(editor, (90, 90, 90), alt_text="Il parco")
    response = editor_client.post(CREATE, _data(facebook, media_assets=[b.pk, a.pk]))
    post = Post.objects.get()
    assert response.status_code == 302
    assert _uses(post) == [b.pk, a.pk]


def test_a_failed_save_keeps_the_chosen_assets_ticked(editor_client, editor, facebook):
    asset = _add(editor, (10, 10, 10))
    response = editor_client.post(CREATE, _data(facebook, title="", media_assets=[asset.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert not Post.objects.exists()
    assert f'value="{asset.pk}" id="media-asset-{asset.pk}" checked' in body


def test_an_asset_without_alt_text_is_refused_and_nothing_is_saved(editor_client, editor, facebook):
    bare = _add(editor, (200, 10, 10), alt_text="")
    response = editor_client.post(CREATE, _data(facebook, media_assets=[bare.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Manca il testo alternativo." in body
    assert not Post.objects.exists()  # the post and its variants rolled back with the choice
    assert 'value="Sagra d&#x27;autunno"' in body  # what was typed is kept


def test_editing_replaces_the_choice_and_a_refusal_rolls_back_the_text(
    editor_client, editor, facebook
):
    post = PostFactory(author=editor, channels=[facebook])
    first, second = _add(editor, (10, 10, 10)), _add(editor, (90, 90, 90), alt_text="Il parco")
    services.set_post_assets(post=post, asset_ids=[first.pk], by=editor)
    url = reverse("planning:post_edit", args=[post.pk])
    form = editor_client.get(url).content.decode()
    assert f'value="{first.pk}" id="media-asset-{first.pk}" checked' in form

    bare = _add(editor, (200, 10, 10), alt_text="")
    data = _data(facebook, version=post.version, title="Titolo nuovo", media_assets=[bare.pk])
    data.update({"immagini-TOTAL_FORMS": "0", "immagini-INITIAL_FORMS": "0"})
    refused = editor_client.post(url, data)
    assert "Manca il testo alternativo." in refused.content.decode()
    post.refresh_from_db()
    assert post.title != "Titolo nuovo" and _uses(post) == [first.pk]

    data["media_assets"] = [second.pk]
    assert editor_client.post(url, data).status_code == 302
    post.refresh_from_db()
    assert post.title == "Titolo nuovo" and _uses(post) == [second.pk]


def test_the_search_without_javascript_reshows_the_form_without_saving(
    editor_client, editor, facebook
):
    piazza = _add(editor, (10, 10, 10), alt_text="Piazza Grande", tag_names=["sagra"])
    parco = _add(editor, (90, 90, 90), alt_text="Parco comunale")
    data = _data(facebook, media_q="sagra", media_search="1", media_assets=[parco.pk])
    response = editor_client.post(CREATE, data)
    assert response.status_code == 200
    assert not Post.objects.exists()
    assert [a.pk for a in response.context["picker_assets"]] == [parco.pk, piazza.pk]
    assert "Sabato la sagra d&#x27;autunno in piazza." in response.content.decode()


def test_rights_ending_before_the_post_are_flagged_and_block_approval(editor, approver):
    asset = _add(editor, (10, 10, 10), alt_text="Manifesto della sagra")
    asset.rights_expire_on = datetime.date(2027, 8, 1)
    asset.save(update_fields=["rights_expire_on"])
    post = post_in(S.IN_REVIEW, author=editor)
    post.planned_at = timezone.make_aware(datetime.datetime(2027, 8, 11, 10))
    post.save(update_fields=["planned_at"])
    services.set_post_assets(post=post, asset_ids=[asset.pk], by=editor)
    expected = (
        "«Manifesto della sagra»: i diritti d'uso scadono l'1 agosto 2027, prima della "
        "pubblicazione prevista l'11 agosto 2027."
    )
    assert post_rights_problems(post) == [expected]
    with pytest.raises(ReviewError, match="Approvazione non consentita: «Manifesto della sagra»"):
        review.approve_post(post, by=approver, expected_version=post.version)
    post.refresh_from_db()
    assert post.status == S.IN_REVIEW


def test_rights_ending_on_the_day_of_the_post_do_not_block(editor, approver):
    asset = _add(editor, (10, 10, 10))
    post = post_in(S.IN_REVIEW, author=editor)
    asset.rights_expire_on = timezone.localdate(post.planned_at)
    asset.save(update_fields=["rights_expire_on"])
    services.set_post_assets(post=post, asset_ids=[asset.pk], by=editor)
    assert post_rights_problems(post) == []
    review.approve_post(post, by=approver, expected_version=post.version)
    post.refresh_from_db()
    assert post.status == S.APPROVED


def test_the_editor_flags_a_chosen_asset_whose_rights_end_first(editor_client, editor, facebook):
    post = PostFactory(author=editor, channels=[facebook])
    post.planned_at = timezone.now() + timedelta(days=6)
    post.save(update_fields=["planned_at"])
    asset = _add(editor, (10, 10, 10), alt_text="Foto del palio")
    services.set_post_assets(post=post, asset_ids=[asset.pk], by=editor)
    asset.rights_expire_on = _day(1)
    asset.save(update_fields=["rights_expire_on"])
    body = editor_client.get(reverse("planning:post_edit", args=[post.pk])).content.decode()
    assert "il post non potrà essere approvato" in body
    assert "«Foto del palio»: i diritti d&#x27;uso scadono " in body


def test_the_post_page_and_the_review_page_show_the_library_assets_with_alt_text(
    editor_client, editor, approver, client
):
    post = post_in(S.IN_REVIEW, author=editor)
    asset = _add(editor, (10, 10, 10), alt_text="Il <b>municipio</b>", credits="Ufficio stampa")
    services.set_post_assets(post=post, asset_ids=[asset.pk], by=editor)

    detail = editor_client.get(post.get_absolute_url()).content.decode()
    client.force_login(approver)
    review_page = client.get(reverse("review:post", args=[post.pk])).content.decode()

    for body in (detail, review_page):
        assert f'<img src="{asset.file.url}" alt="Il &lt;b&gt;municipio&lt;/b&gt;"' in body
        assert "1 file dalla libreria, con il suo testo alternativo:" in body
        assert "Ufficio stampa" in body


def test_the_review_page_shows_the_rights_finding_that_blocks_approval(editor, approver, client):
    post = post_in(S.IN_REVIEW, author=editor)
    post.planned_at = timezone.now() + timedelta(days=5)
    post.save(update_fields=["planned_at"])
    asset = _add(editor, (10, 10, 10), alt_text="Manifesto")
    services.set_post_assets(post=post, asset_ids=[asset.pk], by=editor)
    asset.rights_expire_on = _day(1)
    asset.save(update_fields=["rights_expire_on"])
    client.force_login(approver)
    body = client.get(reverse("review:post", args=[post.pk])).content.decode()
    assert "«Manifesto»: i diritti d&#x27;uso scadono " in body

    response = client.post(
        reverse("review:approve", args=[post.pk]), {"expected_version": post.version}, follow=True
    )
    post.refresh_from_db()
    assert post.status == S.IN_REVIEW
    assert "Approvazione non consentita: «Manifesto»" in response.content.decode()


@pytest.mark.parametrize("page", ["review:post", "review:queue", "planning:post_detail"])
def test_the_approve_button_is_disabled_with_the_reason_when_rights_expire_first(
    page, editor, approver, client
):
    post = post_in(S.IN_REVIEW, author=editor)
    post.planned_at = timezone.now() + timedelta(days=5)
    post.save(update_fields=["planned_at"])
    asset = _add(editor, (10, 10, 10), alt_text="Manifesto")
    services.set_post_assets(post=post, asset_ids=[asset.pk], by=editor)
    client.force_login(approver)
    url = reverse(page) if page == "review:queue" else reverse(page, args=[post.pk])
    approve = f"Approva la versione {post.version}"

    def button() -> str:
        body = client.get(url).content.decode()
        start = body.index(approve)
        return body[body.rindex("<button", 0, start) : start]

    assert " disabled" not in button()  # rights valid: the button works

    asset.rights_expire_on = _day(1)
    asset.save(update_fields=["rights_expire_on"])
    body = client.get(url).content.decode()
    assert f'disabled aria-describedby="post-actions-rights-{post.pk}"' in button()
    reason = body[body.index(f'id="post-actions-rights-{post.pk}"') :]
    assert "Non si può approvare: i diritti d'uso di un file della libreria" in reason
    assert "«Manifesto»: i diritti d&#x27;uso scadono " in reason


def test_the_queue_query_count_does_not_grow_with_library_assets(
    editor, approver, client, django_assert_max_num_queries
):
    client.force_login(approver)
    colours = iter(range(1, 200))

    def add_posts(n):
        for _ in range(n):
            post = post_in(S.IN_REVIEW, author=editor)
            assets = [_add(editor, (next(colours), 0, 0), alt_text="Dalla libreria")]
            assets.append(_add(editor, (0, next(colours), 0), alt_text="Dalla libreria"))
            services.set_post_assets(post=post, asset_ids=[a.pk for a in assets], by=editor)

    add_posts(1)
    client.get(reverse("review:queue"))  # the session's first request does more
    with django_assert_max_num_queries(40) as one:
        client.get(reverse("review:queue"))
    add_posts(2)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("review:queue"))

    body = response.content.decode()
    assert body.count('alt="Dalla libreria" class="review-image"') == 3 * 2  # the asset lists
    assert body.count('alt="Dalla libreria"') > 3 * 2  # and the network previews


def test_an_approved_post_cannot_change_its_library_files_without_going_back_to_review(
    editor_client, editor, approver, facebook
):
    post = post_in(S.IN_REVIEW, author=editor, channels=[facebook])
    Post.objects.filter(pk=post.pk).update(
        planned_at=post.planned_at.replace(second=0, microsecond=0)
    )
    post.refresh_from_db()
    review.approve_post(post, by=approver, expected_version=post.version)
    post.refresh_from_db()
    asset = _add(editor, (10, 10, 10))
    unchanged = {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in PostForm.initial_for(post).items()
        if value not in (None, False)
    }
    data = {
        **unchanged,
        "nuove-TOTAL_FORMS": "0",
        "nuove-INITIAL_FORMS": "0",
        "immagini-TOTAL_FORMS": "0",
        "immagini-INITIAL_FORMS": "0",
        "media_assets": [asset.pk],
    }
    data["planned_time"] = timezone.localtime(post.planned_at).strftime("%H:%M")
    response = editor_client.post(reverse("planning:post_edit", args=[post.pk]), data)
    post.refresh_from_db()
    assert "Il post è approvato: per cambiare i file della libreria" in response.content.decode()
    assert post.status == S.APPROVED and _uses(post) == []


@pytest.mark.parametrize("status", [S.APPROVED, S.PAUSED])
def test_the_service_refuses_to_change_the_files_of_an_approved_or_paused_post(editor, status):
    """One rule in one place: not only the editor, any caller of set_post_assets."""
    kept, other = _add(editor, (10, 10, 10)), _add(editor, (90, 90, 90), alt_text="Il parco")
    post = PostFactory(status=S.DRAFT)
    services.set_post_assets(post=post, asset_ids=[kept.pk], by=editor)
    Post.objects.filter(pk=post.pk).update(status=status)
    post.refresh_from_db()

    for picked in ([kept.pk, other.pk], [], [other.pk]):
        with pytest.raises(services.AssetRefused, match="Il post è approvato"):
            services.set_post_assets(post=post, asset_ids=picked, by=editor)
    assert _uses(post) == [kept.pk]
    services.set_post_assets(post=post, asset_ids=[kept.pk], by=editor)  # the same: fine


def test_an_instagram_post_with_only_a_library_image_has_its_image(editor, approver):
    instagram = ChannelFactory(name="Instagram · Comune", kind=ChannelKind.INSTAGRAM)
    post = post_in(S.IN_REVIEW, author=editor, channels=[instagram])
    with pytest.raises(ReviewError, match="regola bloccante"):
        review.approve_post(post, by=approver, expected_version=post.version)

    asset = _add(editor, (10, 10, 10), alt_text="Il lago al tramonto")
    services.set_post_assets(post=post, asset_ids=[asset.pk], by=editor)
    review.approve_post(post, by=approver, expected_version=post.version)
    post.refresh_from_db()
    assert post.status == S.APPROVED


@pytest.mark.parametrize("page", ["post", "review"])
def test_the_post_and_review_pages_query_count_does_not_grow_with_library_assets(
    page, editor, approver, client, django_assert_max_num_queries
):
    post = post_in(S.IN_REVIEW, author=editor)
    assets = [_add(editor, (n * 60, 0, 0), alt_text=f"Foto {n}") for n in (1, 2, 3)]
    services.set_post_assets(post=post, asset_ids=[assets[0].pk], by=editor)
    client.force_login(approver)
    url = post.get_absolute_url() if page == "post" else reverse("review:post", args=[post.pk])
    client.get(url)  # the session's first request does more
    with django_assert_max_num_queries(60) as one:
        client.get(url)
    services.set_post_assets(post=post, asset_ids=[a.pk for a in assets], by=editor)

    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(url).content.decode()

    assert [f'alt="Foto {n}"' in body for n in (1, 2, 3)] == [True, True, True]


def test_duplicating_a_post_copies_its_library_files_not_the_files_themselves(
    editor_client, editor, facebook
):
    post = PostFactory(author=editor, channels=[facebook], title="Mercatino")
    first, second = _add(editor, (10, 10, 10)), _add(editor, (90, 90, 90), alt_text="Il parco")
    expired = _add(editor, (150, 10, 10), alt_text="Vecchio manifesto")
    services.set_post_assets(post=post, asset_ids=[second.pk, expired.pk, first.pk], by=editor)
    expired.rights_expire_on = _day(-1)
    expired.save(update_fields=["rights_expire_on"])
    when = timezone.localtime(timezone.now() + timedelta(days=30))

    response = editor_client.post(
        reverse("planning:post_duplicate", args=[post.pk]),
        {"data": when.strftime("%Y-%m-%d"), "ora": "09:00"},
        follow=True,
    )

    copy = Post.objects.exclude(pk=post.pk).get()
    assert _uses(copy) == [second.pk, first.pk]  # same order, the expired one left out
    assert _uses(post) == [second.pk, expired.pk, first.pk]  # the original keeps its own
    assert Asset.objects.count() == 3  # uses of the same assets, no new files
    assert "Non copiati, perché i diritti d&#x27;uso sono scaduti: «Vecchio manifesto»." in (
        response.content.decode()
    )
