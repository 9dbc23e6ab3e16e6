"""Approval routes, rule by rule: which route a post follows, who may act at each step, when
the post is approved, and what an edit or a reschedule does to its place on the route."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AuditEntry
from apps.crisis.models import Crisis
from apps.planning.enums import PostStatus as S
from apps.planning.models import ContentCategory, Post
from apps.publishing.models import Delivery
from apps.review import routes, services
from apps.review.editing import update_post
from apps.review.models import ApprovalRoute, StepApproval, StepMode
from apps.review.selectors import changes_since_approval, review_state
from apps.review.services import ReviewError
from tests.factories import CategoryFactory, ChannelFactory, UserFactory
from tests.review.factories import post_in
from tests.review.routes_helpers import portavoce, route

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]


@pytest.fixture
def informativo(db):
    existing = ContentCategory.objects.filter(name="Informativo").first()  # reference data
    return existing or CategoryFactory(name="Informativo", slug="informativo")


@pytest.fixture
def head(db):
    return UserFactory(
        username="capoufficio", first_name="Carla", last_name="Capo", role=Role.APPROVER
    )


@pytest.fixture
def spokesperson(db):
    return UserFactory(
        username="portavoce", first_name="Pietro", last_name="Voce", role=Role.APPROVER
    )


@pytest.fixture
def two_steps(informativo, head, spokesperson):
    """Informativo: the head of the office, then the spokesperson."""
    return route(
        "Informativo",
        categories=[informativo],
        steps=[
            {"name": "Capo ufficio", "people": [head]},
            {"name": "Portavoce", "people": [spokesperson]},
        ],
    )


def _fresh(post) -> Post:
    return Post.objects.get(pk=post.pk)


def _actions(post) -> list[str]:
    return list(
        AuditEntry.objects.filter(post_id=post.pk).order_by("id").values_list("action", flat=True)
    )


# --- Which route ---------------------------------------------------------------------------


def test_without_routes_a_post_follows_the_default_single_step(editor):
    post = post_in(S.IN_REVIEW, author=editor)

    prog = routes.progress(post)

    assert prog.is_default
    assert (prog.number, prog.total, prog.awaited_label) == (1, 1, "un approvatore")


def test_a_route_applies_to_its_categories_only(two_steps, informativo, editor):
    info = post_in(S.IN_REVIEW, author=editor, category=informativo)
    other = post_in(S.IN_REVIEW, author=editor, category=CategoryFactory())

    assert routes.progress(info).route.pk == two_steps.pk
    assert routes.progress(other).is_default


def test_a_route_by_channel_applies_when_the_post_goes_out_on_one_of_them(editor, head):
    telegram = ChannelFactory(name="Telegram · Comune")
    by_channel = route("Telegram", channels=[telegram], steps=[{"people": [head]}])
    on_it = post_in(S.IN_REVIEW, author=editor, channels=[ChannelFactory(name="FB"), telegram])
    elsewhere = post_in(S.IN_REVIEW, author=editor, channels=[ChannelFactory(name="FB")])

    assert routes.progress(on_it).route.pk == by_channel.pk
    assert routes.progress(elsewhere).is_default


def test_an_emergency_route_applies_to_crisis_communications_only(informativo, editor, head):
    emergency = route(
        "Emergenze", categories=[informativo], crisis_only=True, steps=[{"people": [head]}]
    )
    crisis_post = post_in(
        S.IN_REVIEW, author=editor, category=informativo, is_crisis_communication=True
    )
    ordinary = post_in(S.IN_REVIEW, author=editor, category=informativo)

    assert routes.progress(crisis_post).route.pk == emergency.pk
    assert routes.progress(ordinary).is_default


def test_the_route_with_the_lowest_priority_number_wins(informativo, editor, head, spokesperson):
    route("Generale", priority=50, steps=[{"people": [head]}])
    specific = route(
        "Informativo", priority=10, categories=[informativo], steps=[{"people": [spokesperson]}]
    )
    post = post_in(S.IN_REVIEW, author=editor, category=informativo)

    assert routes.progress(post).route.pk == specific.pk


def test_an_inactive_route_or_one_without_steps_is_ignored(informativo, editor, head):
    route("Spento", categories=[informativo], steps=[{"people": [head]}])
    ApprovalRoute.objects.update(active=False)
    route("Vuoto", categories=[informativo], steps=[])
    post = post_in(S.IN_REVIEW, author=editor, category=informativo)

    assert routes.progress(post).is_default


# --- Steps, in order --------------------------------------------------------------------------


def test_a_two_step_route_approves_the_post_only_at_the_last_step(
    two_steps, informativo, editor, head, spokesperson
):
    post = post_in(S.IN_REVIEW, author=editor, category=informativo)

    services.approve_post(post, by=head, expected_version=1)

    fresh = _fresh(post)
    assert fresh.status == S.IN_REVIEW
    assert Delivery.objects.filter(variant__post=post).count() == 0
    prog = routes.progress(fresh)
    assert (prog.number, prog.step.name, prog.awaited_label) == (
        2,
        "Portavoce",
        "uno tra: Pietro Voce",
    )
    assert _actions(post) == ["post.step_approved"]

    services.approve_post(fresh, by=spokesperson, expected_version=1)

    fresh = _fresh(post)
    assert (fresh.status, fresh.approved_by, fresh.approved_version) == (
        S.APPROVED,
        spokesperson,
        1,
    )
    assert Delivery.objects.filter(variant__post=post).count() == 1
    assert _actions(post) == ["post.step_approved", "post.approved"]
    assert "Passo 2 di 2 (Portavoce)" in AuditEntry.objects.get(action="post.approved").summary


def test_only_the_people_of_the_current_step_may_approve(
    two_steps, informativo, editor, spokesperson, approver
):
    post = post_in(S.IN_REVIEW, author=editor, category=informativo)

    for outsider_of_step in (spokesperson, approver):
        with pytest.raises(ReviewError, match="«Capo ufficio» attende uno tra: Carla Capo"):
            services.approve_post(post, by=outsider_of_step, expected_version=1)

    assert StepApproval.objects.count() == 0


def test_one_person_approves_at_most_one_step_of_a_version(informativo, editor, head):
    route(
        "Stesso ruolo",
        categories=[informativo],
        steps=[{"role": Role.APPROVER}, {"role": Role.APPROVER}],
    )
    post = post_in(S.IN_REVIEW, author=editor, category=informativo)
    services.approve_post(post, by=head, expected_version=1)

    with pytest.raises(ReviewError, match="già approvato un altro passo"):
        services.approve_post(_fresh(post), by=head, expected_version=1)


def test_separation_of_duties_holds_at_every_step(informativo, editor, head, spokesperson):
    """The spokesperson edited the post: they may not approve it, even at their own step."""
    route(
        "Informativo",
        categories=[informativo],
        steps=[{"people": [head]}, {"people": [spokesperson]}],
    )
    post = post_in(
        S.IN_REVIEW,
        author=editor,
        category=informativo,
        last_editor=spokesperson,
        content_editor_ids=[editor.pk, spokesperson.pk],
    )
    services.approve_post(post, by=head, expected_version=1)

    with pytest.raises(ReviewError, match="scritto o modificato"):
        services.approve_post(_fresh(post), by=spokesperson, expected_version=1)
    state = review_state(_fresh(post), spokesperson)
    assert not state.can_approve
    assert "scritto o modificato" in state.approval_blocked_reason


def test_a_step_of_all_of_a_group_waits_for_everyone(informativo, editor, head, spokesperson):
    route(
        "Tutti",
        categories=[informativo],
        steps=[{"name": "Giunta", "people": [head, spokesperson], "mode": StepMode.ALL}],
    )
    post = post_in(S.IN_REVIEW, author=editor, category=informativo)

    services.approve_post(post, by=head, expected_version=1)
    assert _fresh(post).status == S.IN_REVIEW
    assert routes.progress(_fresh(post)).awaited_label == "tutti: Pietro Voce"
    with pytest.raises(ReviewError, match="già approvato questo passo"):
        services.approve_post(_fresh(post), by=head, expected_version=1)

    services.approve_post(_fresh(post), by=spokesperson, expected_version=1)
    assert _fresh(post).status == S.APPROVED


def test_a_step_by_role_accepts_any_member_of_the_role(informativo, editor, approver, admin_user):
    route("Amministratori", categories=[informativo], steps=[{"role": Role.ADMIN}])
    post = post_in(S.IN_REVIEW, author=editor, category=informativo)

    with pytest.raises(ReviewError, match="attende uno tra: amministratrice"):
        services.approve_post(post, by=approver, expected_version=1)
    services.approve_post(post, by=admin_user, expected_version=1)

    assert _fresh(post).status == S.APPROVED


# --- Edits and reschedules --------------------------------------------------------------------


def test_an_edit_after_a_step_sends_the_post_back_to_the_first_step(
    two_steps, informativo, editor, head, spokesperson
):
    post = post_in(S.IN_REVIEW, author=editor, category=informativo)
    services.approve_post(post, by=head, expected_version=1)
    post = services.withdraw_post(_fresh(post), by=editor)
    update_post(post, by=editor, expected_version=1, base_text="Testo rivisto dopo il primo passo.")
    services.submit_post(_fresh(post), by=editor)

    fresh = _fresh(post)
    assert (fresh.version, routes.progress(fresh).number) == (2, 1)
    with pytest.raises(ReviewError, match="«Capo ufficio» attende"):
        services.approve_post(fresh, by=spokesperson, expected_version=2)


def test_an_edit_after_full_approval_goes_back_to_the_first_step_with_what_changed(
    two_steps, informativo, editor, head, spokesperson
):
    post = post_in(S.IN_REVIEW, author=editor, category=informativo)
    services.approve_post(post, by=head, expected_version=1)
    services.approve_post(_fresh(post), by=spokesperson, expected_version=1)

    update_post(_fresh(post), by=editor, expected_version=1, base_text="Nuovo testo.")

    fresh = _fresh(post)
    assert (fresh.status, fresh.reschedule_only_pending) == (S.IN_REVIEW, False)
    assert routes.progress(fresh).number == 1
    changes = changes_since_approval(fresh)
    assert [c.label for c in changes] == ["Testo base"]


def test_a_reschedule_only_needs_a_one_click_approval_at_the_last_step(
    two_steps, informativo, editor, head, spokesperson
):
    post = post_in(S.IN_REVIEW, author=editor, category=informativo)
    services.approve_post(post, by=head, expected_version=1)
    services.approve_post(_fresh(post), by=spokesperson, expected_version=1)
    update_post(
        _fresh(post), by=editor, expected_version=1, planned_at=post.planned_at + timedelta(hours=3)
    )
    fresh = _fresh(post)
    assert fresh.reschedule_only_pending
    assert routes.progress(fresh).step.name == "Portavoce"

    with pytest.raises(ReviewError, match="«Portavoce» attende"):
        services.reapprove_reschedule(fresh, by=head, expected_version=2)
    assert review_state(fresh, spokesperson).can_reapprove
    services.reapprove_reschedule(fresh, by=spokesperson, expected_version=2)

    fresh = _fresh(post)
    assert (fresh.status, fresh.approved_version) == (S.APPROVED, 2)
    assert "post.reapproved" in _actions(post)


# --- Crisis fast track ------------------------------------------------------------------------


def test_the_crisis_fast_track_stays_one_approver_whatever_the_route(
    informativo, editor, head, approver
):
    route(
        "Emergenze",
        categories=[informativo],
        crisis_only=True,
        steps=[{"people": [head]}, {"externals": [portavoce()]}],
    )
    Crisis.objects.create(reason="Alluvione", declared_by=approver, declared_at=timezone.now())
    post = post_in(
        S.IN_REVIEW,
        author=editor,
        category=informativo,
        is_crisis_communication=True,
        created_as_crisis_communication=True,
    )

    assert routes.progress(post).fast_track
    services.approve_post(post, by=approver, expected_version=1)

    assert _fresh(post).status == S.APPROVED


# --- Who hears about it -----------------------------------------------------------------------


def test_each_step_emails_only_the_colleagues_it_waits_for(
    two_steps,
    informativo,
    editor,
    head,
    spokesperson,
    approver,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    post = post_in(S.DRAFT, author=editor, category=informativo, title="Allerta meteo")

    with django_capture_on_commit_callbacks(execute=True):
        services.submit_post(post, by=editor)
    assert [m.to for m in mailoutbox] == [[head.email]]
    assert "passo 1 di 2 (Capo ufficio)" in mailoutbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_post(_fresh(post), by=head, expected_version=1)
    assert [m.to for m in mailoutbox[1:]] == [[spokesperson.email]]


def test_the_review_state_says_where_the_post_is_and_who_is_awaited(
    two_steps, informativo, editor, head, spokesperson
):
    post = post_in(S.IN_REVIEW, author=editor, category=informativo)

    for_head = review_state(post, head)
    for_spokesperson = review_state(post, spokesperson)

    assert for_head.can_approve and for_head.progress.step.name == "Capo ufficio"
    assert not for_spokesperson.can_approve
    assert for_spokesperson.can_request_changes
    assert "attende uno tra: Carla Capo" in for_spokesperson.approval_blocked_reason


def test_a_post_back_at_step_one_shows_what_changed_since_the_step_was_approved(
    two_steps, informativo, editor, head, approver_client
):
    post = post_in(S.IN_REVIEW, author=editor, category=informativo, base_text="Prima versione.")
    services.approve_post(post, by=head, expected_version=1)
    services.withdraw_post(_fresh(post), by=editor)
    update_post(_fresh(post), by=editor, expected_version=1, base_text="Seconda versione.")
    services.submit_post(_fresh(post), by=editor)

    changes = changes_since_approval(_fresh(post))

    assert [c.label for c in changes] == ["Testo base"]
    page = approver_client.get("/revisione/").content.decode()
    assert "Cosa è cambiato dall'approvazione" in page
    assert "passo 1 di 2 (Capo ufficio)" in page


def test_the_office_settings_page_lists_the_routes(two_steps, admin_client_):
    page = admin_client_.get("/revisione/impostazioni/").content.decode()

    assert "Informativo</strong>:" in page
    assert "Capo ufficio → Portavoce" in page
    assert 'href="/admin/review/approvalroute/"' in page
