"""A two-step route in a real browser: the head of the office approves in the queue, the
spokesperson (no account) gets the link by email through a real SMTP server and approves in a
browser of their own. Every page is checked with axe-core."""

import email
import email.policy
import re
import time

import pytest

from apps.audit.models import AuditEntry
from apps.planning.enums import PostStatus as S
from apps.planning.models import Post
from apps.review.models import ApprovalRoute, ExternalLink
from tests.browser import conftest as harness
from tests.factories import CategoryFactory, ChannelFactory
from tests.newsletter import conftest as mail_harness
from tests.review.factories import post_in
from tests.review.routes_helpers import portavoce, route

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("tasks_run_at_once")]

browser = harness.browser
context = harness.context
page = harness.page
role_groups = harness.role_groups
editor_user = harness.editor_user
approver_user = harness.approver_user
login = harness.login
assert_no_axe_violations = harness.assert_no_axe_violations
smtp_server = mail_harness.smtp_server  # a real SMTP server (aiosmtpd) on 127.0.0.1

LINK = re.compile(r"https?://\S+?(/revisione/esterno/\d+/[\w-]+/)")


def _wait_for_mail(sink, to: str, timeout: float = 20.0) -> email.message.EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for envelope in sink.envelopes:
            if to in envelope.rcpt_tos:
                return email.message_from_bytes(envelope.content, policy=email.policy.default)
        time.sleep(0.1)
    raise AssertionError(f"No email to {to} within {timeout} s")


def test_a_two_step_route_with_an_approver_outside_the_office(
    page,
    browser,
    live_server,
    smtp_server,
    editor_user,
    approver_user,
):
    informativo = CategoryFactory(name="Informativo emergenze", slug="informativo-emergenze")
    spokesperson = portavoce()
    route(
        "Informativo in emergenza",
        categories=[informativo],
        steps=[
            {"name": "Capo ufficio", "people": [approver_user]},
            {"name": "Portavoce", "externals": [spokesperson]},
        ],
    )
    post = post_in(
        S.IN_REVIEW,
        author=editor_user,
        category=informativo,
        channels=[ChannelFactory(name="Facebook · Comune")],
        title="Allerta meteo arancione",
    )

    # Step 1: the head of the office, in the review queue.
    login(page, approver_user)
    page.goto("/revisione/")
    page.get_by_text("Percorso «Informativo in emergenza»: passo 1 di 2 (Capo ufficio)").wait_for()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Approva la versione 1").click()
    page.get_by_text("Passo approvato: ora il post attende uno tra: Paola Voce").wait_for()
    page.get_by_text("passo 2 di 2 (Portavoce), attende uno tra: Paola Voce").wait_for()
    assert Post.objects.get(pk=post.pk).status == S.IN_REVIEW

    # The staff's review page lists the link sent, with a revoke button.
    page.goto(f"/revisione/post/{post.pk}/")
    page.get_by_role("button", name="Revoca il link di Paola Voce").wait_for()
    assert_no_axe_violations(page)

    # The email reached the SMTP server; the spokesperson opens it in a browser of their own.
    message = _wait_for_mail(smtp_server, spokesperson.email)
    assert message["Subject"] == "Da approvare: Allerta meteo arancione"
    path = LINK.search(message.get_content())[1]
    outside = browser.new_context(base_url=live_server.url, locale="it-IT")
    outside.set_default_timeout(harness.DEFAULT_TIMEOUT_MS)
    try:
        theirs = outside.new_page()
        theirs.goto(path)
        theirs.get_by_role("heading", name="Da approvare: Allerta meteo arancione").wait_for()
        assert_no_axe_violations(theirs)

        # A request for changes without a comment is refused, on the field, nothing saved.
        theirs.get_by_role("button", name="Chiedi modifiche").click()
        theirs.get_by_text("il commento è obbligatorio").wait_for()
        assert_no_axe_violations(theirs)

        theirs.get_by_role("button", name="Approvo la versione 1").click()
        theirs.get_by_role("heading", name="Decisione registrata").wait_for()
        assert_no_axe_violations(theirs)

        # The link is used up: opened again, it says so and offers nothing.
        theirs.goto(path)
        theirs.get_by_text("Questo link è già stato usato").wait_for()
        assert theirs.get_by_role("button", name="Approvo la versione 1").count() == 0
        assert_no_axe_violations(theirs)
    finally:
        outside.close()

    fresh = Post.objects.get(pk=post.pk)
    assert (fresh.status, fresh.approved_version) == (S.APPROVED, 1)
    assert ExternalLink.objects.get(post=post).used_at is not None


def test_an_administrator_defines_a_route_in_the_admin(page, role_groups, approver_user):
    """The admin page for routes (Django's admin, the project's login): steps inline, with
    named colleagues and approvers outside the office."""
    admin = harness.UserFactory(
        username="amministratrice",
        first_name="Anna",
        role="Amministratori",
        is_staff=True,
        is_superuser=True,
    )
    login(page, admin)
    page.goto("/admin/review/approvalroute/add/")
    page.get_by_label("Nome:", exact=True).fill("Territorio")
    page.locator("#id_steps-0-name").fill("Capo ufficio")
    page.locator("#id_steps-0-role").select_option(label="Approvatori")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Salva", exact=True).click()
    page.get_by_text("è stato aggiunto").first.wait_for()
    assert_no_axe_violations(page)  # the list of routes

    page.goto("/admin/review/externalapprover/add/")
    page.get_by_label("Nome e cognome:").fill("Paola Voce")
    page.get_by_label("Email:").fill("portavoce@sindaco.esempio.it")
    assert_no_axe_violations(page)

    # The office settings page lists it and links to the admin.
    page.goto("/revisione/impostazioni/")
    page.get_by_text("Territorio").first.wait_for()
    assert_no_axe_violations(page)

    made = ApprovalRoute.objects.get(name="Territorio")
    assert [(s.name, s.role) for s in made.steps.all()] == [("Capo ufficio", "Approvatori")]
    assert AuditEntry.objects.filter(action="approval_route.created").count() == 1
