"""What is approved is exactly what may go out.

Anything that changes what is published, where, when, or whether a rule lets it through sends
an approved post back to review; only notes for colleagues stay free. The list is derived from
the models (``apps.planning.review_scope``), and these tests make a new field impossible to
forget: each reviewed field must have an edit below, and every field the send gate, the checks
and the adapters' request read must be reviewed.
"""

from contextlib import contextmanager
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from apps.crisis.gate import blackout_over_planned_time, sending_blocked_reason
from apps.crisis.models import Crisis
from apps.crisis.selectors import blackout_blocking_approval
from apps.planning.checks import check_post
from apps.planning.enums import PostStatus as S
from apps.planning.models import Post, PostImage, Variant
from apps.planning.news import NewsFields
from apps.planning.review_scope import BOOKKEEPING_FIELDS, FREE_FIELDS, reviewed_fields
from apps.planning.services import PostEditError, create_post
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Delivery
from apps.publishing.services import build_publish_request, claim_due
from apps.review import services
from apps.review.editing import update_post
from apps.review.services import ReviewError
from tests.crisis.factories import BlackoutFactory
from tests.factories import CategoryFactory, ChannelFactory, EventFactory
from tests.review.factories import post_in

pytestmark = pytest.mark.django_db


def _png(name="foto.png"):
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "navy").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def approved_post(editor, approver):
    post = post_in(S.IN_REVIEW, author=editor, channels=[ChannelFactory(name="Facebook")])
    PostImage.objects.create(post=post, image=_png(), alt_text="Il municipio")
    services.approve_post(post, by=approver, expected_version=post.version)
    return Post.objects.get(pk=post.pk)


# How an editor changes each reviewed field of a post. A field added to Post without an edit
# here fails test_every_reviewed_post_field_has_an_edit: decide in review_scope whether it is
# bookkeeping or free, or say here how an edit changes it.
POST_EDITS = {
    "title": lambda post: {"title": "ULTIM'ORA: il Comune chiude la biblioteca per sempre"},
    "category": lambda post: {"category": CategoryFactory(name="Servizi", slug="servizi")},
    "planned_at": lambda post: {"planned_at": post.planned_at + timedelta(hours=3)},
    "base_text": lambda post: {"base_text": "Un altro testo."},
    "link": lambda post: {"link": "https://www.comune.example.it/altro"},
    "event": lambda post: {"event": EventFactory()},
    "is_crisis_communication": lambda post: {"is_crisis_communication": True},
    "is_indispensable": lambda post: {
        "is_indispensable": True,
        "indispensable_reason": "Chiusura delle scuole per neve",
    },
    "indispensable_reason": lambda post: {"indispensable_reason": "Un'altra motivazione"},
}
VARIANT_EDITS = {
    "channel": lambda post: {"channels": [ChannelFactory(name="Telegram")]},
    "text": lambda post: {"variant_texts": {post.variants.get().channel_id: "Solo qui."}},
    "public_title": lambda post: {
        "public_titles": {post.variants.get().channel_id: "Il ponte riapre lunedì"}
    },
    # The website Notizia's fields (short description, topics, type, office).
    **{
        column: (
            lambda post, kind=kind, value=value: {
                "news": {post.variants.get().channel_id: NewsFields(**{kind: value})}
            }
        )
        for column, kind, value in [
            ("news_summary", "summary", "Il ponte riapre."),
            ("news_topics", "topics", ("Mobilità",)),
            ("news_type", "news_type", "avviso"),
            ("news_office", "office", "Ufficio tecnico"),
        ]
    },
    # A library image's alt text on this channel only (media_library).
    "alt_text_overrides": lambda post: {
        "alt_text_overrides": {post.variants.get().channel_id: {"1": "Il ponte di notte"}}
    },
}
IMAGE_EDITS = {
    "image": lambda post: {"images_to_add": [{"image": _png(), "alt_text": "La piazza"}]},
    "alt_text": lambda post: {
        "image_updates": {post.images.get().pk: {"alt_text": "Il municipio di notte"}}
    },
    "caption": lambda post: {
        "image_updates": {post.images.get().pk: {"alt_text": "Il municipio", "caption": "Sera"}}
    },
    "credit": lambda post: {
        "image_updates": {post.images.get().pk: {"alt_text": "Il municipio", "credit": "CC0"}}
    },
    "position": lambda post: {"images_to_remove": [post.images.get().pk]},
}
EDITS = {Post: POST_EDITS, Variant: VARIANT_EDITS, PostImage: IMAGE_EDITS}


@pytest.mark.parametrize("model", [Post, Variant, PostImage], ids=lambda m: m.__name__)
def test_every_reviewed_field_has_an_edit(model):
    missing = set(reviewed_fields(model)) - set(EDITS[model])
    assert not missing, f"{model.__name__}: no edit for {sorted(missing)}"


def test_only_notes_campaign_and_tags_are_free():
    assert FREE_FIELDS == {"notes", "campaign", "tags"}


@pytest.mark.parametrize(
    "model,name",
    [(model, name) for model, edits in EDITS.items() for name in edits],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_changing_a_reviewed_field_sends_an_approved_post_back_to_review(
    approved_post, approver, model, name
):
    update_post(
        approved_post,
        by=approver,  # an approver may change every field, the bypass flags included
        expected_version=approved_post.version,
        **EDITS[model][name](approved_post),
    )

    post = Post.objects.get(pk=approved_post.pk)
    assert post.status == S.IN_REVIEW, f"{model.__name__}.{name} kept the approval"
    assert post.reschedule_only_pending == (name == "planned_at")


def test_notes_for_colleagues_keep_the_approval(approved_post, editor):
    update_post(
        approved_post, by=editor, expected_version=approved_post.version, notes="Condividere"
    )

    post = Post.objects.get(pk=approved_post.pk)
    assert (post.status, post.approved_version) == (S.APPROVED, post.version)


@contextmanager
def fields_read(*models):
    """The model fields read on instances of ``models`` while the block runs."""
    seen: set[tuple[type, str]] = set()
    names = {model: {f.attname: f.name for f in model._meta.concrete_fields} for model in models}

    def spy(self, attribute):
        model = type(self)
        if attribute in names.get(model, ()):
            seen.add((model, names[model][attribute]))
        return object.__getattribute__(self, attribute)

    for model in models:
        model.__getattribute__ = spy
    try:
        yield seen
    finally:
        for model in models:
            del model.__getattribute__


def test_what_the_gate_the_checks_and_the_adapters_read_is_reviewed(approved_post):
    BlackoutFactory()  # in force now, allowing nothing: the gate reads the post through
    Crisis.objects.create(
        reason="Prova", declared_by=approved_post.author, declared_at=timezone.now()
    )
    post = (
        Post.objects.prefetch_related("variants__channel", "images")
        .select_related("category")
        .get(pk=approved_post.pk)
    )
    delivery = Delivery.objects.select_related("variant__post", "variant__channel").get(
        variant__post=post
    )

    with fields_read(Post, Variant, PostImage) as seen:
        sending_blocked_reason(delivery.variant, at=timezone.now())
        blackout_over_planned_time(delivery.variant, planned_at=delivery.due_at)
        blackout_blocking_approval(post)
        check_post(post)
        build_publish_request(delivery)

    unreviewed = {
        (model.__name__, name)
        for model, name in seen
        if name not in reviewed_fields(model) and name not in BOOKKEEPING_FIELDS[model]
    }
    assert not unreviewed, f"read but not reviewed: {sorted(unreviewed)}"
    # The spy does see reads: the adapters' request reads the variant's public title...
    assert ("Variant", "public_title") in {(m.__name__, n) for m, n in seen}


def test_the_request_to_a_channel_never_reads_the_internal_title(approved_post):
    delivery = Delivery.objects.select_related("variant__post", "variant__channel").get(
        variant__post=approved_post
    )

    with fields_read(Post) as seen:
        build_publish_request(delivery)

    assert ("Post", "title") not in {(m.__name__, n) for m, n in seen}
    assert ("Post", "link") in {(m.__name__, n) for m, n in seen}


# --- The walk-arounds the hostile probe found --------------------------------------------


def test_a_category_changed_after_approval_is_not_sent_in_a_blackout(approved_post, editor):
    allowed = CategoryFactory(name="Protezione civile", slug="protezione-civile")
    BlackoutFactory(allowed_categories=[allowed])
    update_post(approved_post, by=editor, expected_version=approved_post.version, category=allowed)
    Post.objects.filter(pk=approved_post.pk).update(planned_at=timezone.now())
    Delivery.objects.filter(variant__post=approved_post).update(due_at=timezone.now())

    assert claim_due() == []
    assert Delivery.objects.get(variant__post=approved_post).state == D.WAITING
    assert Post.objects.get(pk=approved_post.pk).status == S.IN_REVIEW


def test_an_editor_cannot_tick_crisis_communication_or_indispensable(approved_post, editor):
    for change in (
        {"is_crisis_communication": True},
        {"is_indispensable": True, "indispensable_reason": "Servizio essenziale"},
    ):
        with pytest.raises(PostEditError, match="Solo un approvatore"):
            update_post(approved_post, by=editor, expected_version=approved_post.version, **change)
    post = Post.objects.get(pk=approved_post.pk)
    assert (post.status, post.is_crisis_communication, post.is_indispensable) == (
        S.APPROVED,
        False,
        False,
    )


def test_an_editor_cannot_create_a_post_that_bypasses_a_crisis(editor):
    with pytest.raises(PostEditError, match="Solo un approvatore"):
        create_post(
            author=editor,
            title="Avviso",
            category=CategoryFactory(),
            planned_at=timezone.now() + timedelta(days=1),
            channels=[ChannelFactory()],
            base_text="Testo",
            is_crisis_communication=True,
        )


def test_an_indispensable_post_must_say_why(approver):
    with pytest.raises(PostEditError, match="indispensabile"):
        create_post(
            author=approver,
            title="Avviso",
            category=CategoryFactory(),
            planned_at=timezone.now() + timedelta(days=1),
            channels=[ChannelFactory()],
            base_text="Testo",
            is_indispensable=True,
            indispensable_reason="  ",
        )
    assert not Post.objects.exists()


def test_the_database_refuses_an_indispensable_post_without_a_reason(editor):
    from django.db import IntegrityError, transaction

    post = post_in(S.DRAFT, author=editor)
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(is_indispensable=True, indispensable_reason="")


# --- Four eyes, really ---------------------------------------------------------------------


def test_an_approver_who_rewrote_the_text_cannot_approve_it_after_the_editor_touched_notes(
    approved_post, editor, approver
):
    update_post(
        approved_post,
        by=approver,
        expected_version=approved_post.version,
        base_text="Testo riscritto dall'approvatore.",
    )
    services.withdraw_post(Post.objects.get(pk=approved_post.pk), by=editor)
    post = Post.objects.get(pk=approved_post.pk)
    update_post(post, by=editor, expected_version=post.version, notes="Va bene così")
    services.submit_post(Post.objects.get(pk=post.pk), by=editor)
    post = Post.objects.get(pk=post.pk)
    assert post.last_editor == editor

    with pytest.raises(ReviewError, match="scritto o modificato"):
        services.approve_post(post, by=approver, expected_version=post.version)


def test_ticking_crisis_communication_on_an_own_post_does_not_open_the_fast_track(editor, approver):
    Crisis.objects.create(reason="Alluvione", declared_by=approver, declared_at=timezone.now())
    post = post_in(S.DRAFT, author=approver)
    update_post(post, by=approver, expected_version=1, is_crisis_communication=True)
    services.submit_post(Post.objects.get(pk=post.pk), by=approver)
    post = Post.objects.get(pk=post.pk)

    with pytest.raises(ReviewError, match="scritto o modificato"):
        services.approve_post(post, by=approver, expected_version=post.version)


def test_a_crisis_communication_an_approver_created_needs_a_second_person(approver):
    from tests.factories import UserFactory

    Crisis.objects.create(reason="Alluvione", declared_by=approver, declared_at=timezone.now())
    post = create_post(
        author=approver,
        title="Allerta",
        category=CategoryFactory(),
        planned_at=timezone.now() + timedelta(hours=1),
        channels=[ChannelFactory()],
        base_text="Evitate il sottopasso di via Roma.",
        is_crisis_communication=True,
    )
    services.submit_post(post, by=approver)
    post = Post.objects.get(pk=post.pk)
    with pytest.raises(ReviewError, match="scritto o modificato"):
        services.approve_post(post, by=approver, expected_version=post.version)

    from apps.accounts.roles import Role

    colleague = UserFactory(role=Role.APPROVER)
    services.approve_post(post, by=colleague, expected_version=post.version)
    assert Post.objects.get(pk=post.pk).status == S.APPROVED
