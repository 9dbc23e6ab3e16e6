"""Approving, requesting changes and adding images through /api/v1/: the same services and rules
as the review page and the editor, audited with the token's name."""

import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.api.enums import Scope
from apps.audit.models import AuditEntry
from apps.media_library.models import Asset, PostAsset
from apps.planning.enums import PostStatus
from apps.review.models import Comment
from tests.api.conftest import bearer
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(client):
    def send(path, raw, body):
        return client.post(
            "/api/v1" + path, data=json.dumps(body), content_type="application/json", **bearer(raw)
        )

    return send


@pytest.fixture
def in_review(editor):
    return PostFactory(
        author=editor, channels=[ChannelFactory(name="Mastodon")], status=PostStatus.IN_REVIEW
    )


def test_an_approver_approves_the_exact_version_and_the_audit_names_the_token(
    call, approver, make_token, in_review
):
    raw = make_token(approver, scopes=[Scope.REVIEW], name="Cruscotto sindaco")

    response = call(f"/posts/{in_review.pk}/approve", raw, {"version": in_review.version})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == PostStatus.APPROVED
    entry = AuditEntry.objects.get(action="post.approved")
    assert entry.actor == approver and "Cruscotto sindaco" in entry.via


def test_a_stale_version_answers_409_and_changes_nothing(call, approver, make_token, in_review):
    raw = make_token(approver, scopes=[Scope.REVIEW])

    response = call(f"/posts/{in_review.pk}/approve", raw, {"version": in_review.version - 1})

    assert response.status_code == 409
    assert "versione" in response.json()["detail"]
    in_review.refresh_from_db()
    assert in_review.status == PostStatus.IN_REVIEW


def test_whoever_wrote_the_post_cannot_approve_it(call, approver, make_token):
    own = PostFactory(author=approver, channels=[ChannelFactory()], status=PostStatus.IN_REVIEW)
    raw = make_token(approver, scopes=[Scope.REVIEW])

    response = call(f"/posts/{own.pk}/approve", raw, {"version": own.version})

    assert response.status_code == 403
    assert "un altro approvatore" in response.json()["detail"]
    own.refresh_from_db()
    assert own.status == PostStatus.IN_REVIEW


def test_the_review_scope_does_not_make_an_editor_an_approver(
    call, editor, other_editor, make_token, in_review
):
    raw = make_token(other_editor, scopes=[Scope.REVIEW])
    assert call(f"/posts/{in_review.pk}/approve", raw, {"version": 1}).status_code == 403


def test_an_approver_token_without_the_review_scope_cannot_decide(
    call, approver, make_token, in_review
):
    raw = make_token(approver, scopes=[Scope.READ, Scope.WRITE_POSTS])
    response = call(f"/posts/{in_review.pk}/approve", raw, {"version": in_review.version})
    assert response.status_code == 403
    assert "review" in response.json()["detail"]


def test_changes_are_requested_with_a_comment_that_joins_the_thread(
    call, approver, make_token, in_review
):
    raw = make_token(approver, scopes=[Scope.REVIEW])

    response = call(f"/posts/{in_review.pk}/request-changes", raw, {"comment": "Manca l'orario."})

    assert response.status_code == 200
    assert response.json()["status"] == PostStatus.CHANGES_REQUESTED
    assert Comment.objects.get(post=in_review).body == "Manca l'orario."
    assert AuditEntry.objects.get(action="post.changes_requested").via.startswith("API: ")


def test_changes_need_a_comment_and_a_post_in_review(call, approver, make_token, editor):
    raw = make_token(approver, scopes=[Scope.REVIEW])
    draft = PostFactory(author=editor, channels=[ChannelFactory()])

    assert call(f"/posts/{draft.pk}/request-changes", raw, {"comment": ""}).status_code == 400
    assert call(f"/posts/{draft.pk}/request-changes", raw, {"comment": "No"}).status_code == 409


# --- images -----------------------------------------------------------------------------------


def _photo(*, gps=True) -> bytes:
    image = Image.new("RGB", (80, 60), (200, 30, 30))
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (45.0, 28.0, 0.0), 3: "E", 4: (9.0, 11.0, 0.0)}
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif)
    return output.getvalue()


@pytest.fixture
def upload(client):
    def send(post, raw, data: bytes, *, alt="La piazza del mercato", name="foto.jpg", ctype=None):
        fields = {"file": SimpleUploadedFile(name, data, content_type=ctype or "image/jpeg")}
        if alt is not None:
            fields["alt_text"] = alt
        return client.post(f"/api/v1/posts/{post.pk}/images", data=fields, **bearer(raw))

    return send


@pytest.fixture
def draft(editor):
    return PostFactory(author=editor, channels=[ChannelFactory()])


def test_an_image_is_re_encoded_without_its_location_and_added_to_the_post(
    upload, editor, make_token, draft
):
    raw = make_token(editor, scopes=[Scope.WRITE_POSTS], name="App redazione")

    response = upload(draft, raw, _photo(gps=True))

    assert response.status_code == 201, response.content
    asset = Asset.objects.get(pk=response.json()["asset_id"])
    assert asset.alt_text == "La piazza del mercato"
    assert list(PostAsset.objects.filter(post=draft).values_list("asset_id", flat=True)) == [
        asset.pk
    ]
    with default_storage.open(asset.file.name, "rb") as stored:
        assert 0x8825 not in Image.open(stored).getexif()
    assert AuditEntry.objects.get(action="media.uploaded").via.startswith("API: App redazione")


def test_alt_text_is_required(upload, editor, make_token, draft):
    raw = make_token(editor, scopes=[Scope.WRITE_POSTS])

    for alt in (None, "   "):
        response = upload(draft, raw, _photo(), alt=alt)
        assert response.status_code == 400, response.content
    assert not Asset.objects.exists()


def test_a_file_that_is_not_an_image_is_refused(upload, editor, make_token, draft):
    raw = make_token(editor, scopes=[Scope.WRITE_POSTS])

    fake = upload(draft, raw, b"%PDF-1.7 not a photo", name="foto.jpg")
    pdf = upload(draft, raw, b"%PDF-1.7", name="atto.pdf", ctype="application/pdf")

    assert fake.status_code == 400 and pdf.status_code == 400
    assert not PostAsset.objects.exists()


def test_an_approved_post_keeps_the_files_its_reviewer_saw(upload, editor, make_token):
    approved = PostFactory(author=editor, channels=[ChannelFactory()], status=PostStatus.APPROVED)
    raw = make_token(editor, scopes=[Scope.WRITE_POSTS])

    response = upload(approved, raw, _photo())

    assert response.status_code == 400
    assert "approvato" in str(response.json())
    assert not PostAsset.objects.exists()


def test_another_editor_cannot_add_images_to_the_authors_post(
    upload, other_editor, make_token, draft
):
    raw = make_token(other_editor, scopes=[Scope.WRITE_POSTS])
    assert upload(draft, raw, _photo()).status_code == 403
