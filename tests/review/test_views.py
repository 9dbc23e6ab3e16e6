"""The review pages and the in-place (htmx) actions, with their non-JS fallbacks."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.planning.enums import PostStatus as S
from apps.planning.models import Post
from apps.review.models import OfficeSettings
from tests.factories import ChannelFactory, UserFactory
from tests.review.factories import post_in

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_queue_lists_posts_in_review_by_planned_time(approver_client, editor):
    now = timezone.now()
    later = post_in(S.IN_REVIEW, author=editor, title="Più tardi", planned_at=now + timedelta(2))
    sooner = post_in(S.IN_REVIEW, author=editor, title="Prima", planned_at=now + timedelta(1))
    post_in(S.DRAFT, author=editor, title="Bozza nascosta")

    response = approver_client.get(reverse("review:queue"))

    assert response.status_code == 200
    assert list(response.context["posts"]) == [sooner, later]
    body = response.content.decode()
    assert "Bozza nascosta" not in body
    assert body.index("Prima") < body.index("Più tardi")
    assert "Approva la versione 1" in body


def test_the_queue_shows_each_channel_preview(approver_client, editor):
    channels = [ChannelFactory(name="Telegram Comune"), ChannelFactory(name="Mastodon Comune")]
    post_in(S.IN_REVIEW, author=editor, channels=channels, base_text="Sportello chiuso lunedì")

    body = approver_client.get(reverse("review:queue")).content.decode()

    assert "Telegram Comune" in body and "Mastodon Comune" in body
    assert body.count("Sportello chiuso lunedì") == 2


def _queue_rows(n, *, editor, approver, channels):
    """``n`` posts in review, half of them back in review after an approval."""
    for number in range(n):
        extra = {}
        if number % 2:
            extra = {"approved_by": approver, "approved_at": timezone.now() - timedelta(hours=1)}
        post_in(S.IN_REVIEW, author=editor, channels=channels, **extra)


def test_the_queue_query_count_does_not_grow_with_posts(
    approver_client, editor, approver, django_assert_max_num_queries
):
    channels = [ChannelFactory(name="Facebook"), ChannelFactory(name="Telegram")]
    _queue_rows(2, editor=editor, approver=approver, channels=channels)
    approver_client.get(reverse("review:queue"))  # the session's first request does more
    with django_assert_max_num_queries(40) as two_rows:
        approver_client.get(reverse("review:queue"))
    _queue_rows(18, editor=editor, approver=approver, channels=channels)

    with django_assert_max_num_queries(len(two_rows.captured_queries)):
        response = approver_client.get(reverse("review:queue"))

    assert len(response.context["posts"]) == 20
    assert response.content.decode().count("Cosa è cambiato dall'approvazione") == 10


def test_approving_in_place_returns_the_new_actions_block(approver_client, editor):
    post = post_in(S.IN_REVIEW, author=editor)

    response = approver_client.post(
        reverse("review:approve", args=[post.pk]), {"expected_version": 1}, **HTMX
    )

    assert response.status_code == 200
    assert response["HX-Trigger"] == "postChanged"
    body = response.content.decode()
    assert f'id="post-actions-{post.pk}"' in body
    assert "Post approvato" in body
    assert "<html" not in body
    assert Post.objects.get(pk=post.pk).status == S.APPROVED


def test_approving_without_javascript_redirects_back_with_a_message(approver_client, editor):
    post = post_in(S.IN_REVIEW, author=editor)

    response = approver_client.post(
        reverse("review:approve", args=[post.pk]),
        {"expected_version": 1, "next": reverse("review:queue")},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("review:queue"), 302)]
    assert "Post approvato" in response.content.decode()


def test_an_offsite_next_is_ignored(approver_client, editor):
    post = post_in(S.IN_REVIEW, author=editor)

    response = approver_client.post(
        reverse("review:approve", args=[post.pk]),
        {"expected_version": 1, "next": "https://evil.example/"},
    )

    assert response["Location"] == post.get_absolute_url()


def test_a_stale_approval_shows_an_error_and_changes_nothing(approver_client, editor):
    post = post_in(S.IN_REVIEW, author=editor, version=2)

    response = approver_client.post(
        reverse("review:approve", args=[post.pk]), {"expected_version": 1}, **HTMX
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "ricarica la pagina" in body
    # No button to approve the newer version from a preview the approver has not re-read.
    assert "Approva la versione" not in body
    assert "Ricarica la pagina e rileggi il post" in body
    assert "HX-Trigger" not in response
    assert Post.objects.get(pk=post.pk).status == S.IN_REVIEW


def test_an_approval_refused_by_a_blackout_does_not_advise_a_reload(approver_client, editor):
    from tests.crisis.factories import BlackoutFactory

    post = post_in(S.IN_REVIEW, author=editor, planned_at=timezone.now() + timedelta(hours=3))
    BlackoutFactory(reason="Elezioni comunali")

    response = approver_client.post(
        reverse("review:approve", args=[post.pk]), {"expected_version": post.version}, **HTMX
    )

    body = response.content.decode()
    assert "periodo di silenzio" in body
    assert "Ricarica la pagina" not in body and "ricarica la pagina" not in body
    assert Post.objects.get(pk=post.pk).status == S.IN_REVIEW


def test_a_forged_approval_without_version_is_refused(approver_client, editor):
    post = post_in(S.IN_REVIEW, author=editor)

    response = approver_client.post(
        reverse("review:approve", args=[post.pk]), {"expected_version": "abc"}, **HTMX
    )

    assert response.status_code == 200
    assert Post.objects.get(pk=post.pk).status == S.IN_REVIEW


def test_a_forged_approval_by_an_editor_is_forbidden(editor_client, other_editor):
    post = post_in(S.IN_REVIEW, author=other_editor)

    response = editor_client.post(
        reverse("review:approve", args=[post.pk]), {"expected_version": 1}
    )

    assert response.status_code == 403
    assert Post.objects.get(pk=post.pk).status == S.IN_REVIEW
    assert AuditEntry.objects.count() == 0


def test_requesting_changes_without_a_comment_keeps_the_post_in_review(approver_client, editor):
    post = post_in(S.IN_REVIEW, author=editor)

    response = approver_client.post(
        reverse("review:request_changes", args=[post.pk]), {"comment": ""}, **HTMX
    )

    body = response.content.decode()
    assert "commento è obbligatorio" in body
    # The error is tied to the field it is about.
    assert 'aria-invalid="true"' in body
    described = f"changes-{post.pk}-comment_helptext changes-{post.pk}-comment_error"
    assert f'aria-describedby="{described}"' in body
    assert (
        f'<div id="changes-{post.pk}-comment_error" class="invalid-feedback d-block">Scrivi' in body
    )
    assert Post.objects.get(pk=post.pk).status == S.IN_REVIEW


def test_a_too_long_change_request_keeps_what_was_typed_escaped(approver_client, editor):
    post = post_in(S.IN_REVIEW, author=editor)

    response = approver_client.post(
        reverse("review:request_changes", args=[post.pk]), {"comment": "<b>x</b>" * 700}, **HTMX
    )

    body = response.content.decode()
    assert "troppo lungo" in body
    assert "&lt;b&gt;x&lt;/b&gt;" * 700 in body
    assert Post.objects.get(pk=post.pk).status == S.IN_REVIEW


def test_an_author_submits_from_the_actions_block(editor_client, editor):
    post = post_in(S.DRAFT, author=editor)

    response = editor_client.post(reverse("review:submit", args=[post.pk]), **HTMX)

    assert "Post inviato in revisione" in response.content.decode()
    assert Post.objects.get(pk=post.pk).status == S.IN_REVIEW


def test_the_author_sees_submit_but_not_approve(editor_client, editor):
    post = post_in(S.DRAFT, author=editor)

    body = editor_client.get(reverse("review:post", args=[post.pk])).content.decode()

    assert reverse("review:submit", args=[post.pk]) in body
    assert reverse("review:approve", args=[post.pk]) not in body


def test_an_approver_sees_why_they_cannot_approve_their_own_post(approver_client, approver):
    post = post_in(S.IN_REVIEW, author=approver)

    body = approver_client.get(reverse("review:post", args=[post.pk])).content.decode()

    assert reverse("review:approve", args=[post.pk]) not in body
    assert "deve approvarlo un altro approvatore" in body


def test_a_reschedule_only_post_offers_one_click_reapproval(approver_client, editor):
    post = post_in(S.IN_REVIEW, author=editor, reschedule_only_pending=True)

    body = approver_client.get(reverse("review:post", args=[post.pk])).content.decode()

    assert reverse("review:reapprove", args=[post.pk]) in body
    assert "Conferma il nuovo orario" in body


def test_comments_with_html_are_shown_escaped(editor_client, editor):
    post = post_in(S.DRAFT, author=editor)

    response = editor_client.post(
        reverse("review:comment", args=[post.pk]),
        {"body": "<script>alert('x')</script> va bene"},
        **HTMX,
    )

    body = response.content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; va bene" in body
    assert "<script>alert" not in body


def test_an_empty_comment_keeps_the_form_with_an_error(editor_client, editor):
    post = post_in(S.DRAFT, author=editor)

    response = editor_client.post(reverse("review:comment", args=[post.pk]), {"body": ""}, **HTMX)

    body = response.content.decode()
    assert 'aria-invalid="true"' in body
    described = f"comment-{post.pk}-body_helptext comment-{post.pk}-body_error"
    assert f'aria-describedby="{described}"' in body
    assert f'<div id="comment-{post.pk}-body_error" class="invalid-feedback d-block">' in body
    assert post.comments.count() == 0


def test_a_comment_too_long_is_kept_with_its_error(editor_client, editor):
    post = post_in(S.DRAFT, author=editor)
    text = "Troppo lungo <b>x</b> " * 400

    response = editor_client.post(reverse("review:comment", args=[post.pk]), {"body": text}, **HTMX)

    body = response.content.decode()
    assert f'id="comment-{post.pk}-body"' in body
    assert "Troppo lungo &lt;b&gt;x&lt;/b&gt; Troppo lungo" in body
    assert 'aria-invalid="true"' in body and post.comments.count() == 0


def test_the_history_lists_the_posts_audit_entries(editor_client, editor, approver):
    from apps.review import services

    post = post_in(S.DRAFT, author=editor)
    services.submit_post(post, by=editor)

    body = editor_client.get(reverse("review:history", args=[post.pk]), **HTMX).content.decode()

    assert "post.submitted" in body
    assert "Inviato in revisione." in body


LATER = timedelta(minutes=5)


def _edit(obj, *, by=None, at=None, **changes):
    """Save ``obj`` as a later, separate edit (history groups saves made together)."""
    for name, value in changes.items():
        setattr(obj, name, value)
    obj._history_date = at or timezone.now() + LATER
    if by is not None:
        obj._history_user = by
    obj.save()


def test_the_diff_between_two_versions_is_readable_and_escaped(editor_client, editor):
    post = post_in(S.DRAFT, author=editor, base_text="Chiuso lunedì")
    variant = post.variants.get()
    later = timezone.now() + LATER
    _edit(post, at=later, base_text="Chiuso <b>martedì</b>", version=2)
    _edit(variant, at=later + timedelta(seconds=1), text="Testo nuovo per Facebook")

    response = editor_client.get(reverse("review:diff", args=[post.pk]), {"da": 1, "a": 2}, **HTMX)

    body = response.content.decode()
    assert '<del><span class="visually-hidden">[tolto: </span>lunedì' in body
    assert "&lt;b&gt;martedì&lt;/b&gt;" in body
    assert "<b>martedì" not in body
    assert "Testo per Facebook" in body
    assert "</span>Testo nuovo per Facebook<span" in body


def test_a_variant_only_edit_is_a_version_of_its_own(editor):
    from apps.review.selectors import diff_versions, versions_of

    post = post_in(S.DRAFT, author=editor, base_text="Testo")
    _edit(post.variants.get(), text="Testo per i social")

    assert len(versions_of(post)) == 2
    changes = diff_versions(post, old=1, new=2)
    assert [c.label for c in changes] == ["Testo per Facebook"]


def test_the_diff_falls_back_to_the_last_two_versions_on_bad_input(editor_client, editor):
    post = post_in(S.DRAFT, author=editor, title="Vecchio titolo")
    _edit(post, title="Nuovo titolo")

    response = editor_client.get(reverse("review:diff", args=[post.pk]), {"da": "x", "a": "999"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "Versioni non valide" in body
    assert "Nuovo" in body and "Vecchio" in body
    # The selects show the pair actually compared, not what was typed.
    da = re.search(r'<select name="da" class="form-select" id="diff-da">(.*?)</select>', body, re.S)
    a = re.search(r'<select name="a" class="form-select" id="diff-a">(.*?)</select>', body, re.S)
    assert re.findall(r'<option value="(\d)" selected>', da.group(1)) == ["1"]
    assert re.findall(r'<option value="(\d)" selected>', a.group(1)) == ["2"]


def test_the_history_compares_the_last_two_saves_with_ids_of_its_post(editor_client, editor):
    post = post_in(S.DRAFT, author=editor, title="Vecchio titolo")
    _edit(post, title="Nuovo titolo")

    body = editor_client.get(reverse("review:history", args=[post.pk]), **HTMX).content.decode()

    required = (
        ' <span aria-hidden="true">*</span><span class="visually-hidden">(obbligatorio)</span>'
    )
    assert (
        f'<label class="form-label" for="diff-{post.pk}-da">Dalla versione{required}</label>'
        in body
    )
    assert (
        f'<label class="form-label" for="diff-{post.pk}-a">Alla versione{required}</label>' in body
    )
    assert '<option value="1" selected>' in body and '<option value="2" selected>' in body


def test_the_diff_only_reads_the_posts_own_history(editor_client, editor):
    post = post_in(S.DRAFT, author=editor)
    other = post_in(S.DRAFT, author=editor, title="Segreto")
    _edit(other, title="Segreto modificato")

    response = editor_client.get(reverse("review:diff", args=[post.pk]), {"da": 1, "a": 2})

    assert "Segreto" not in response.content.decode()


def test_the_office_settings_page_turns_self_approval_on_and_audits_it(admin_client_, admin_user):
    response = admin_client_.post(reverse("review:settings"), {"allow_self_approval": "on"})

    assert response.status_code == 302
    assert OfficeSettings.load().allow_self_approval is True
    assert AuditEntry.objects.filter(action="settings.self_approval", actor=admin_user).count() == 1


def test_the_post_review_page_query_count_does_not_grow_with_its_history(
    editor_client, editor, approver, django_assert_max_num_queries
):
    from apps.review import services

    post = post_in(S.DRAFT, author=editor)
    services.add_comment(post, by=approver, body="Primo")
    with django_assert_max_num_queries(40) as one:
        editor_client.get(reverse("review:post", args=[post.pk]))
    for n in range(3):
        services.add_comment(post, by=UserFactory(username=f"collega{n}"), body=f"Commento {n}")
        _edit(post, by=editor, at=timezone.now() + timedelta(minutes=n + 1), title=f"Titolo {n}")

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = editor_client.get(reverse("review:post", args=[post.pk]))

    assert response.content.decode().count("review-comment-body") == 4


def test_the_swapped_actions_block_keeps_its_heading_level(approver_client, editor):
    post = post_in(S.IN_REVIEW, author=editor)

    response = approver_client.post(
        reverse("review:approve", args=[post.pk]),
        {"expected_version": 1, "heading_level": "3"},
        **HTMX,
    )

    assert f'<h3 id="post-actions-title-{post.pk}"' in response.content.decode()


def test_the_diff_swapped_in_place_lands_inside_a_live_region_that_stays(editor_client, editor):
    post = post_in(S.DRAFT, author=editor, title="Vecchio titolo")
    _edit(post, title="Nuovo titolo")

    page = editor_client.get(reverse("review:post", args=[post.pk])).content.decode()
    response = editor_client.get(reverse("review:diff", args=[post.pk]), {"da": 1, "a": 2}, **HTMX)
    swapped = response.content.decode()

    assert f'<div aria-live="polite"><div id="diff-result-{post.pk}"></div></div>' in page
    assert f'id="diff-result-{post.pk}"' in swapped
    assert "aria-live" not in swapped  # a live region inserted by the swap is not announced
    assert "HX-Request" in response["Vary"]  # the same URL also answers with the whole page


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("review:approve", S.IN_REVIEW),
        ("review:reapprove", S.IN_REVIEW),
        ("review:request_changes", S.IN_REVIEW),
        ("review:submit", S.APPROVED),
        ("review:withdraw", S.DRAFT),
        ("review:cancel", S.PUBLISHED),
        ("review:comment", S.DRAFT),
    ],
)
def test_a_refused_or_incomplete_post_is_an_answer_not_a_server_error(
    approver_client, editor, name, status, htmx
):
    post = post_in(status, author=editor)
    extra = HTMX if htmx else {}

    response = approver_client.post(
        reverse(name, args=[post.pk]), {"heading_level": "x", "next": "//evil"}, **extra
    )

    assert response.status_code == (200 if htmx else 302)
    if not htmx:
        assert response["Location"] == post.get_absolute_url()
    assert Post.objects.get(pk=post.pk).status == status
    assert not AuditEntry.objects.filter(post_id=post.pk).exists()


def test_a_double_click_on_approve_approves_once_and_explains_the_second(approver_client, editor):
    post = post_in(S.IN_REVIEW, author=editor)
    url = reverse("review:approve", args=[post.pk])

    approver_client.post(url, {"expected_version": 1}, **HTMX)
    second = approver_client.post(url, {"expected_version": 1}, **HTMX)

    assert "Si può approvare solo un post in revisione." in second.content.decode()
    assert AuditEntry.objects.filter(post_id=post.pk, action="post.approved").count() == 1
