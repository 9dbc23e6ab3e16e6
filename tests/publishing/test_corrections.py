"""Correcting a post already sent (``review.corrections``, ``publishing.corrections``): nothing
goes out before an approver other than its author decides; the WordPress Notizia is updated,
networks that cannot edit keep what they published; a crisis or a blackout holds the update
until a person resends it; every step is audited; running the push twice does no harm."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.channels.enums import ChannelKind
from apps.channels.kinds import UPDATABLE_KINDS
from apps.crisis_response.services import declare_crisis, end_crisis
from apps.notifications.enums import Kind
from apps.notifications.models import Notification
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.planning.news import NewsFields
from apps.publishing.adapters.base import Adapter, PublishRequest
from apps.publishing.adapters.registry import ADAPTERS
from apps.publishing.adapters.wordpress import WordPressAdapter
from apps.publishing.corrections import (
    CorrectionError,
    push_correction,
    resend_outcome,
    texts_of,
)
from apps.publishing.enums import CorrectionOutcomeStatus as O
from apps.publishing.enums import CorrectionStatus
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import ChannelCredential, Correction, Delivery
from apps.review.corrections import (
    approve_correction,
    decision_refusal,
    propose_correction,
    reject_correction,
)
from apps.review.models import OfficeSettings
from apps.review.selectors import versions_of
from tests.channel_servers import start_server
from tests.crisis.factories import BlackoutFactory
from tests.factories import ChannelFactory, PostFactory
from tests.planning.news import NEWS_COLUMNS

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def site():
    started = start_server("wordpress")
    yield started
    started.stop()


@pytest.fixture(autouse=True)
def _fresh_site(site):
    site.reset()


@pytest.fixture
def published(site, editor):
    """A post sent on the Comune's WordPress site and on a network that cannot edit."""
    wordpress = ChannelFactory(name="Sito comunale", kind=ChannelKind.WORDPRESS, config=site.config)
    ChannelCredential.objects.create(channel=wordpress, secret=site.token)
    other = ChannelFactory(name="Telegram Comune")
    post = PostFactory(
        title="[interno] ponte",
        author=editor,
        last_editor=editor,
        channels=[wordpress, other],
        base_text="Lunedì riapre il ponte.",
        planned_at=timezone.now() - timedelta(hours=1),
    )
    post.variants.filter(channel=wordpress).update(
        public_title="Il ponte riapre lunedì", text="Lunedì riapre il ponte.", **NEWS_COLUMNS
    )
    result = WordPressAdapter().publish(
        PublishRequest(
            delivery_id=1,
            idempotency_key="chiave-1",
            text="Lunedì riapre il ponte.",
            title="Il ponte riapre lunedì",
            news=NewsFields.of(post.variants.get(channel=wordpress)).as_payload(),
            config=site.config,
            secret=site.token,
        )
    )
    for variant in post.variants.all():
        Delivery.objects.create(
            variant=variant,
            due_at=post.planned_at,
            state=D.SENT,
            sent_at=post.planned_at,
            external_id=result.external_id if variant.channel == wordpress else "tg-1",
            external_url=result.url if variant.channel == wordpress else "",
        )
    Post.objects.filter(pk=post.pk).update(status=PostStatus.PUBLISHED)
    post.refresh_from_db()
    return post, wordpress, other


def _corrected(post, wordpress, **fields):
    after = texts_of(post)
    after["variants"][str(wordpress.pk)].update(
        {"public_title": "Il ponte riapre martedì", "text": "Martedì riapre il ponte.", **fields}
    )
    return after


def _propose(post, wordpress, by, **fields):
    return propose_correction(
        post, by=by, expected_version=post.version, after=_corrected(post, wordpress, **fields)
    )


def test_a_proposed_correction_changes_nothing_until_it_is_approved(published, editor, site):
    post, wordpress, _other = published

    correction = _propose(post, wordpress, editor)

    post.refresh_from_db()
    variant = post.variants.get(channel=wordpress)
    assert correction.status == CorrectionStatus.PENDING
    assert variant.public_title == "Il ponte riapre lunedì"
    assert post.version == 1
    assert site.updates == {}
    assert correction.outcomes.count() == 0
    assert AuditEntry.objects.filter(action="correction.proposed", post_id=post.pk).count() == 1


def test_approval_writes_a_new_version_and_updates_only_the_channels_that_can_edit(
    published, editor, approver, site, django_capture_on_commit_callbacks
):
    post, wordpress, other = published
    correction = _propose(post, wordpress, editor)
    versions_before = len(versions_of(post))

    with django_capture_on_commit_callbacks() as queued:
        approve_correction(correction, by=approver, comment="Giusto, era martedì.")
    results = push_correction(correction_id=correction.pk)

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert post.version == 2 and post.approved_version == 2
    assert post.variants.get(channel=wordpress).public_title == "Il ponte riapre martedì"
    assert len(versions_of(post)) == versions_before + 1
    assert len(queued) == 2  # the push, and the proposer's notice
    outcomes = {o.delivery.variant.channel: o for o in correction.outcomes.all()}
    assert outcomes[wordpress].status == O.APPLIED
    assert outcomes[other].status == O.UNCHANGED  # Telegram cannot edit: stays as published
    assert list(results.values()) == [O.APPLIED]
    [item] = site.items
    assert item["post"]["title"]["raw"] == "Il ponte riapre martedì"
    assert AuditEntry.objects.filter(action="post.corrected", post_id=post.pk).count() == 1
    assert AuditEntry.objects.filter(action="correction.applied", post_id=post.pk).count() == 1


def test_running_the_push_twice_updates_the_site_once(published, editor, approver, site):
    post, wordpress, _other = published
    correction = _propose(post, wordpress, editor)
    approve_correction(correction, by=approver)

    first = push_correction(correction_id=correction.pk)
    second = push_correction(correction_id=correction.pk)

    assert list(first.values()) == [O.APPLIED]
    assert second == {}
    assert list(site.updates.values()) == [1]


def test_the_author_of_a_correction_may_not_approve_it(published, editor, approver):
    post, wordpress, _other = published
    correction = _propose(post, wordpress, approver)  # an approver proposes it

    with pytest.raises(CorrectionError, match="altro approvatore"):
        approve_correction(correction, by=approver)
    assert decision_refusal(correction, editor) != ""  # an editor never decides

    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.PENDING


def test_the_office_may_allow_self_approval_as_for_posts(published, approver, site):
    post, wordpress, _other = published
    OfficeSettings.objects.update_or_create(pk=1, defaults={"allow_self_approval": True})
    correction = _propose(post, wordpress, approver)

    approve_correction(correction, by=approver)

    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.APPROVED


def test_a_rejected_correction_changes_nothing_and_tells_its_author(
    published, editor, approver, site, django_capture_on_commit_callbacks, tasks_run_at_once
):
    post, wordpress, _other = published
    correction = _propose(post, wordpress, editor)

    with pytest.raises(CorrectionError, match="perché"):
        reject_correction(correction, by=approver, comment="  ")
    with django_capture_on_commit_callbacks(execute=True):
        reject_correction(correction, by=approver, comment="Il ponte riapre davvero lunedì.")

    correction.refresh_from_db()
    post.refresh_from_db()
    assert correction.status == CorrectionStatus.REJECTED
    assert correction.decision_comment == "Il ponte riapre davvero lunedì."
    assert post.version == 1 and site.updates == {}
    assert correction.outcomes.count() == 0
    [notice] = Notification.objects.filter(user=editor)
    assert notice.kind == Kind.CHANGES_REQUESTED
    assert AuditEntry.objects.filter(action="correction.rejected", post_id=post.pk).count() == 1


def test_approvers_are_told_of_a_correction_and_its_author_of_the_approval(
    published, editor, approver, django_capture_on_commit_callbacks, tasks_run_at_once
):
    post, wordpress, _other = published
    with django_capture_on_commit_callbacks(execute=True):
        correction = _propose(post, wordpress, editor)
    [asked] = Notification.objects.filter(user=approver)
    assert asked.kind == Kind.REVIEW_NEEDED
    assert asked.url == correction.get_absolute_url()

    with django_capture_on_commit_callbacks(execute=True):
        approve_correction(correction, by=approver)

    assert [n.kind for n in Notification.objects.filter(user=editor)] == [Kind.APPROVED]


def test_during_a_crisis_the_update_is_held_until_a_person_resends_it(
    published, editor, approver, site
):
    post, wordpress, _other = published
    correction = _propose(post, wordpress, editor)
    approve_correction(correction, by=approver)
    declare_crisis(by=approver, reason="Alluvione in corso")

    push_correction(correction_id=correction.pk)
    outcome = correction.outcomes.get(delivery__variant__channel=wordpress)
    assert outcome.status == O.HELD and "crisi" in outcome.error
    assert site.updates == {}

    end_crisis(by=approver, note="Rientrata")
    push_correction(correction_id=correction.pk)  # never by itself later
    outcome.refresh_from_db()
    assert outcome.status == O.HELD and site.updates == {}

    resend_outcome(outcome=outcome, by=editor)
    push_correction(correction_id=correction.pk)

    outcome.refresh_from_db()
    assert outcome.status == O.APPLIED
    assert list(site.updates.values()) == [1]
    assert AuditEntry.objects.filter(action="correction.held").count() == 1
    assert AuditEntry.objects.filter(action="correction.resend_requested").count() == 1


def test_a_blackout_holds_the_update_unless_it_exempts_the_post(published, editor, approver, site):
    post, wordpress, _other = published
    blackout = BlackoutFactory(channels=[wordpress])
    correction = _propose(post, wordpress, editor)
    approve_correction(correction, by=approver)

    push_correction(correction_id=correction.pk)

    outcome = correction.outcomes.get(delivery__variant__channel=wordpress)
    assert outcome.status == O.HELD and "silenzio" in outcome.error.lower()
    blackout.allowed_categories.set([post.category])
    resend_outcome(outcome=outcome, by=editor)
    push_correction(correction_id=correction.pk)
    outcome.refresh_from_db()
    assert outcome.status == O.APPLIED


def test_a_failed_update_is_recorded_and_can_be_retried_by_a_person(
    published, editor, approver, site
):
    post, wordpress, _other = published
    correction = _propose(post, wordpress, editor)
    approve_correction(correction, by=approver)
    site.can_publish = False

    push_correction(correction_id=correction.pk)

    outcome = correction.outcomes.get(delivery__variant__channel=wordpress)
    assert outcome.status == O.FAILED
    assert "rest_cannot_edit" in outcome.error and site.token not in outcome.error
    site.can_publish = True
    resend_outcome(outcome=outcome, by=editor)
    push_correction(correction_id=correction.pk)
    outcome.refresh_from_db()
    assert (outcome.status, outcome.error, outcome.attempts) == (O.APPLIED, "", 2)


def test_an_applied_update_cannot_be_resent(published, editor, approver, site):
    post, wordpress, _other = published
    correction = _propose(post, wordpress, editor)
    approve_correction(correction, by=approver)
    push_correction(correction_id=correction.pk)
    outcome = correction.outcomes.get(delivery__variant__channel=wordpress)

    with pytest.raises(CorrectionError):
        resend_outcome(outcome=outcome, by=editor)


def test_a_post_in_the_bin_cannot_be_corrected(published, editor):
    post, wordpress, _other = published
    Delivery.objects.filter(variant__channel=wordpress).update(deleted_at=timezone.now())

    with pytest.raises(CorrectionError, match="cestino"):
        _propose(post, wordpress, editor)
    assert Correction.objects.count() == 0


def test_a_post_not_yet_sent_or_a_colleagues_post_cannot_be_corrected(
    published, editor, other_editor
):
    post, wordpress, _other = published
    with pytest.raises(CorrectionError, match="autore"):
        _propose(post, wordpress, other_editor)
    Post.objects.filter(pk=post.pk).update(status=PostStatus.APPROVED)
    post.refresh_from_db()
    with pytest.raises(CorrectionError, match="pubblicato"):
        _propose(post, wordpress, editor)


def test_one_correction_at_a_time_and_an_unchanged_one_is_refused(published, editor):
    post, wordpress, _other = published
    with pytest.raises(CorrectionError, match="cambiato nulla"):
        propose_correction(post, by=editor, expected_version=1, after=texts_of(post))
    _propose(post, wordpress, editor)

    with pytest.raises(CorrectionError, match="attende già"):
        _propose(post, wordpress, editor, text="Altro testo.")


def test_channels_that_can_update_have_an_adapter_that_does():
    for kind in UPDATABLE_KINDS:
        assert ADAPTERS[kind].update is not Adapter.update


def test_a_correction_of_what_the_site_does_not_show_sends_nothing(
    published, editor, approver, site
):
    """The internal title is never published: correcting it must not edit the Notizia (an
    edit is public on the site's revision history)."""
    post, wordpress, _other = published
    correction = propose_correction(
        post,
        by=editor,
        expected_version=post.version,
        after={**texts_of(post), "title": "[interno] ponte di via Roma"},
    )
    approve_correction(correction, by=approver)

    results = push_correction(correction_id=correction.pk)

    outcome = correction.outcomes.get(delivery__variant__channel=wordpress)
    assert outcome.status == O.NOT_NEEDED
    assert results == {} and site.updates == {}
    post.refresh_from_db()
    assert post.title == "[interno] ponte di via Roma" and post.version == 2
