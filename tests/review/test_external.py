"""Approvers outside the office: the magic link's whole life, and every way it can be misused.

A link is sent by email when the post's step waits for the person; it opens the post's
previews and allows approve, ask for changes, or comment; it stops working after a decision,
expiry, revocation or a new version; a forged link, or one used for another post, does
nothing. Every action through it is audited with the person's name and email."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AuditEntry
from apps.planning.enums import PostStatus as S
from apps.planning.models import ContentCategory, Post
from apps.review import external, services
from apps.review.editing import update_post
from apps.review.models import Comment, ExternalLink
from apps.review.services import ReviewError
from tests.factories import CategoryFactory, UserFactory
from tests.review.factories import post_in
from tests.review.routes_helpers import portavoce, route

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]

LINK = re.compile(r"https?://\S+/revisione/esterno/(\d+)/([\w-]+)/")


@pytest.fixture
def head(db):
    return UserFactory(username="capoufficio", first_name="Carla", role=Role.APPROVER)


@pytest.fixture
def informativo(db):
    existing = ContentCategory.objects.filter(name="Informativo").first()
    return existing or CategoryFactory(name="Informativo", slug="informativo")


@pytest.fixture
def spokesperson(db):
    return portavoce()


@pytest.fixture
def two_steps(informativo, head, spokesperson):
    return route(
        "Informativo",
        categories=[informativo],
        steps=[
            {"name": "Capo ufficio", "people": [head]},
            {"name": "Portavoce", "externals": [spokesperson]},
        ],
    )


@pytest.fixture
def waiting(two_steps, informativo, editor, head, django_capture_on_commit_callbacks, mailoutbox):
    """A post the head of the office approved: it now waits for the spokesperson, who got
    an email with a link. Returns (post, link path)."""
    post = post_in(S.IN_REVIEW, author=editor, category=informativo, title="Allerta meteo")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_post(post, by=head, expected_version=1)
    return Post.objects.get(pk=post.pk), _link_in(mailoutbox[-1])


def _link_in(mail) -> str:
    match = LINK.search(mail.body)
    assert match, mail.body
    return f"/revisione/esterno/{match[1]}/{match[2]}/"


def _fresh(post) -> Post:
    return Post.objects.get(pk=post.pk)


# --- The invitation ---------------------------------------------------------------------------


def test_the_step_sends_the_external_approver_a_personal_link_by_email(waiting, mailoutbox):
    post, path = waiting
    mail = mailoutbox[-1]

    assert mail.to == ["portavoce@sindaco.esempio.it"]
    assert mail.subject == "Da approvare: Allerta meteo"
    assert "Gentile Paola Voce" in mail.body
    token = path.rstrip("/").rsplit("/", 1)[1]
    link = ExternalLink.objects.get(post=post)
    assert link.token_hash == external.token_hash(token)
    assert token not in str(ExternalLink.objects.values_list().get())  # only its hash is kept
    assert link.version == 1
    entry = AuditEntry.objects.get(action="review.link_sent")
    assert "Paola Voce <portavoce@sindaco.esempio.it>" in entry.summary


def test_inviting_twice_sends_one_link(waiting, mailoutbox):
    post, _path = waiting
    sent_before = len(mailoutbox)

    assert external.invite_awaited(post_id=post.pk) == 0

    assert ExternalLink.objects.filter(post=post).count() == 1
    assert len(mailoutbox) == sent_before


# --- The page and the decisions ---------------------------------------------------------------


def test_the_link_opens_the_post_previews_without_an_account(waiting, client):
    post, path = waiting

    response = client.get(path)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Da approvare: Allerta meteo" in page
    assert "Approvo la versione 1" in page
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"
    assert "noindex" in response["X-Robots-Tag"]


def test_approving_through_the_link_approves_the_post_and_audits_the_person(
    waiting, client, mailoutbox, editor, django_capture_on_commit_callbacks
):
    post, path = waiting

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"decision": "approve"})

    assert response.status_code == 302
    assert response["Location"] == "/revisione/esterno/fatto/approve/"
    fresh = _fresh(post)
    assert (fresh.status, fresh.approved_version, fresh.approved_by) == (S.APPROVED, 1, None)
    entry = AuditEntry.objects.get(post_id=post.pk, action="post.approved")
    assert entry.actor is None
    assert "Paola Voce <portavoce@sindaco.esempio.it>" in entry.summary
    assert ExternalLink.objects.get(post=post).used_at is not None
    assert mailoutbox[-1].to == [editor.email]
    assert "approvato da Paola Voce" in mailoutbox[-1].body


def test_a_used_link_cannot_be_replayed(waiting, client):
    post, path = waiting
    client.post(path, {"decision": "approve"})
    entries = AuditEntry.objects.count()

    for response in (client.get(path), client.post(path, {"decision": "changes", "comment": "No"})):
        assert response.status_code == 410
        assert "già stato usato" in response.content.decode()
    assert AuditEntry.objects.count() == entries
    assert _fresh(post).status == S.APPROVED


def test_asking_for_changes_needs_a_comment_and_keeps_what_was_typed(waiting, client):
    post, path = waiting

    empty = client.post(path, {"decision": "changes", "comment": "   "})
    assert empty.status_code == 400
    assert "il commento è obbligatorio" in empty.content.decode()
    assert _fresh(post).status == S.IN_REVIEW

    response = client.post(path, {"decision": "changes", "comment": "Citare l'ordinanza n. 12."})

    assert response["Location"] == "/revisione/esterno/fatto/changes/"
    assert _fresh(post).status == S.CHANGES_REQUESTED
    comment = Comment.objects.get(post=post)
    assert (comment.author, comment.external_author.name) == (None, "Paola Voce")
    entry = AuditEntry.objects.get(post_id=post.pk, action="post.changes_requested")
    assert "Paola Voce <portavoce@sindaco.esempio.it>" in entry.summary
    assert "Citare l'ordinanza" in entry.summary


def test_a_comment_through_the_link_is_audited_and_the_link_keeps_working(waiting, client):
    post, path = waiting

    response = client.post(path, {"decision": "comment", "body": "<b>Va bene</b> il tono"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Commento inviato" in page
    assert "&lt;b&gt;Va bene&lt;/b&gt;" in page  # escaped
    entry = AuditEntry.objects.get(post_id=post.pk, action="comment.added")
    assert "Paola Voce <portavoce@sindaco.esempio.it>" in entry.summary
    assert client.get(path).status_code == 200


def test_the_link_page_shows_only_the_person_s_own_comments(waiting, client, head):
    post, path = waiting
    services.add_comment(post, by=head, body="Nota interna dell'ufficio")

    assert "Nota interna" not in client.get(path).content.decode()


# --- Links that must not work -----------------------------------------------------------------


def test_a_forged_link_shows_a_clear_page_and_does_nothing(waiting, client):
    post, _path = waiting
    entries = AuditEntry.objects.count()

    for forged in ("x" * 43, "x" * 5000):
        response = client.post(f"/revisione/esterno/{post.pk}/{forged}/", {"decision": "approve"})
        assert response.status_code == 404
        assert "non è valido" in response.content.decode()
    assert AuditEntry.objects.count() == entries
    assert _fresh(post).status == S.IN_REVIEW


def test_a_link_used_for_another_post_does_nothing(waiting, client, editor):
    post, path = waiting
    other = post_in(S.IN_REVIEW, author=editor)
    token = path.rstrip("/").rsplit("/", 1)[1]

    response = client.post(f"/revisione/esterno/{other.pk}/{token}/", {"decision": "approve"})

    assert response.status_code == 404
    assert "non è per questo post" in response.content.decode()
    assert _fresh(other).status == S.IN_REVIEW
    assert _fresh(post).status == S.IN_REVIEW


def test_an_expired_link_does_nothing(waiting, client):
    post, path = waiting
    ExternalLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.post(path, {"decision": "approve"})

    assert response.status_code == 410
    assert "scaduto" in response.content.decode()
    assert _fresh(post).status == S.IN_REVIEW


def test_a_revoked_link_does_nothing_and_the_revocation_is_audited(waiting, client, approver):
    post, path = waiting

    services.revoke_link(ExternalLink.objects.get(post=post), by=approver)

    response = client.post(path, {"decision": "approve"})
    assert response.status_code == 410
    assert "revocato" in response.content.decode()
    assert _fresh(post).status == S.IN_REVIEW
    assert AuditEntry.objects.get(action="review.link_revoked").actor == approver


def test_a_new_version_retires_the_link_and_a_new_one_is_sent_when_needed(
    waiting, client, editor, head, mailoutbox, django_capture_on_commit_callbacks
):
    post, old_path = waiting
    services.withdraw_post(post, by=editor)
    update_post(_fresh(post), by=editor, expected_version=1, base_text="Testo aggiornato.")
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_post(_fresh(post), by=editor)

    assert client.get(old_path).status_code == 410
    assert "è cambiato dopo" in client.get(old_path).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_post(_fresh(post), by=head, expected_version=2)
    new_path = _link_in(mailoutbox[-1])
    assert new_path != old_path
    client.post(new_path, {"decision": "approve"})
    assert (_fresh(post).status, _fresh(post).approved_version) == (S.APPROVED, 2)


def test_a_withdrawn_post_no_longer_takes_decisions_through_the_link(waiting, client, editor):
    post, path = waiting
    services.withdraw_post(post, by=editor)

    response = client.post(path, {"decision": "approve"})

    assert response.status_code == 410
    assert "non attende più" in response.content.decode()
    assert _fresh(post).status == S.DRAFT


def test_a_stale_page_cannot_approve_after_the_link_was_revoked_meanwhile(waiting, approver):
    """The decision re-checks the link under a lock: a page opened before the revocation
    cannot approve after it."""
    post, _path = waiting
    link = ExternalLink.objects.get(post=post)
    services.revoke_link(link, by=approver)

    with pytest.raises(ReviewError, match="revocato"):
        services.approve_external(link)


# --- Rate limits ------------------------------------------------------------------------------


def test_opening_links_is_rate_limited_per_connection(waiting, client):
    _post, path = waiting
    for _ in range(external.OPEN_LIMIT):
        client.get(f"/revisione/esterno/1/{'y' * 43}/")

    response = client.get(path)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_sending_a_new_link_revokes_the_old_one_and_is_rate_limited(
    waiting, client, approver, spokesperson, mailoutbox
):
    post, old_path = waiting
    for _ in range(external.RESEND_LIMIT):
        services.resend_link(post, approver_id=spokesperson.pk, by=approver)

    assert client.get(old_path).status_code == 410
    assert client.get(_link_in(mailoutbox[-1])).status_code == 200
    with pytest.raises(ReviewError, match="Troppi invii"):
        services.resend_link(post, approver_id=spokesperson.pk, by=approver)


# --- The staff's view -------------------------------------------------------------------------


def test_the_review_page_lists_links_and_lets_a_reviewer_revoke_one(waiting, approver_client):
    post, _path = waiting
    link = ExternalLink.objects.get(post=post)

    page = approver_client.get(f"/revisione/post/{post.pk}/").content.decode()
    assert "Paola Voce &lt;portavoce@sindaco.esempio.it&gt;" in page
    assert "Revoca il link di Paola Voce" in page
    assert "attende uno tra: Paola Voce (Portavoce del Sindaco) (esterno)" in page

    response = approver_client.post(f"/revisione/post/{post.pk}/link/{link.pk}/revoca/")
    assert response.status_code == 302
    assert ExternalLink.objects.get(pk=link.pk).revoked_at is not None


def test_revoking_and_sending_again_in_place_with_htmx(
    waiting, approver_client, mailoutbox, spokesperson
):
    post, old_path = waiting
    link = ExternalLink.objects.get(post=post)

    revoked = approver_client.post(
        f"/revisione/post/{post.pk}/link/{link.pk}/revoca/", HTTP_HX_REQUEST="true"
    )
    assert revoked.status_code == 200
    assert "Link revocato: Paola Voce non può più usarlo." in revoked.content.decode()
    assert "revocato" in revoked.content.decode()

    resent = approver_client.post(
        f"/revisione/post/{post.pk}/link/invia/",
        {"approver": spokesperson.pk},
        HTTP_HX_REQUEST="true",
    )
    assert resent.status_code == 200
    assert "Nuovo link inviato a portavoce@sindaco.esempio.it." in resent.content.decode()
    assert _link_in(mailoutbox[-1]) != old_path


def test_sending_a_link_to_someone_the_step_does_not_wait_for_is_refused(waiting, approver_client):
    post, _path = waiting
    stranger = portavoce("assessore@comune.esempio.it")

    response = approver_client.post(
        f"/revisione/post/{post.pk}/link/invia/", {"approver": stranger.pk}, HTTP_HX_REQUEST="true"
    )

    assert "Il passo attuale non attende questa persona." in response.content.decode()
    assert not ExternalLink.objects.filter(approver=stranger).exists()
