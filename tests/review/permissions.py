from apps.planning.enums import PostStatus
from tests.permissions import FORBIDDEN, Access, admins, author_only, public, reviewers, staff


def _post(status):
    def make(cast):
        from tests.review.factories import post_in

        return {"pk": post_in(status, author=cast["editor"]).pk}

    return make


def _bulk(cast, kwargs):
    from tests.review.factories import post_in

    return {"action": "submit", "post": [post_in(PostStatus.DRAFT, author=cast["editor"]).pk]}


def _version(cast, kwargs):
    return {"expected_version": 1}


ROWS = [
    reviewers("review:queue"),
    # Every role of the office may act on a selection; each post's own rules decide (an
    # other_editor's submit of the author's draft is refused in the summary, not with a 403).
    staff("review:bulk", method="POST", data=_bulk),
    admins("review:settings"),
    admins("review:settings", method="POST", data=lambda c, k: {"allow_self_approval": "on"}),
    staff("review:post", make_kwargs=_post(PostStatus.IN_REVIEW)),
    staff("review:history", make_kwargs=_post(PostStatus.DRAFT)),
    staff("review:diff", make_kwargs=_post(PostStatus.DRAFT)),
    staff(
        "review:comment",
        method="POST",
        make_kwargs=_post(PostStatus.DRAFT),
        data=lambda c, k: {"body": "Va bene così?"},
    ),
    Access(
        "review:submit",
        method="POST",
        make_kwargs=_post(PostStatus.DRAFT),
        other_editor=FORBIDDEN,
    ),
    Access(
        "review:withdraw",
        method="POST",
        make_kwargs=_post(PostStatus.IN_REVIEW),
        other_editor=FORBIDDEN,
    ),
    Access(
        "review:cancel",
        method="POST",
        make_kwargs=_post(PostStatus.DRAFT),
        other_editor=FORBIDDEN,
    ),
    reviewers(
        "review:approve",
        method="POST",
        make_kwargs=_post(PostStatus.IN_REVIEW),
        data=_version,
    ),
    reviewers(
        "review:reapprove",
        method="POST",
        make_kwargs=_post(PostStatus.IN_REVIEW),
        data=_version,
    ),
    reviewers(
        "review:request_changes",
        method="POST",
        make_kwargs=_post(PostStatus.IN_REVIEW),
        data=lambda c, k: {"comment": "Accorcia il testo per X."},
    ),
]


# --- Approvers outside the office ------------------------------------------------------------


def _external_link(cast) -> tuple:
    """A post in review whose route's only step is an approver outside the office, and the
    link (with its token) sent to them."""
    from apps.review import external
    from tests.review.factories import post_in
    from tests.review.routes_helpers import portavoce, route

    person = portavoce()
    post = post_in(PostStatus.IN_REVIEW, author=cast["editor"])
    made = route(f"Esterno {post.pk}", categories=[post.category], steps=[{"externals": [person]}])
    link, token = external.issue(post, step_id=made.steps.get().pk, approver=person)
    return post, link, token


def _external_page(cast):
    post, _link, token = _external_link(cast)
    return {"pk": post.pk, "token": token}


def _link_of_post(cast):
    post, link, _token = _external_link(cast)
    return {"pk": post.pk, "link_id": link.pk}


def _post_awaiting_external(cast):
    post, _link, _token = _external_link(cast)
    return {"pk": post.pk}


def _approver_id(cast, kwargs):
    from tests.review.routes_helpers import portavoce

    return {"approver": portavoce().pk}


ROWS += [
    # The page a magic link opens: the link is the key, whoever holds it (no account needed).
    public("review:external", make_kwargs=_external_page),
    public(
        "review:external",
        method="POST",
        make_kwargs=_external_page,
        data=lambda c, k: {"decision": "comment", "body": "Va bene."},
    ),
    public("review:external_done", make_kwargs=lambda cast: {"decision": "approve"}),
    reviewers("review:revoke_link", method="POST", make_kwargs=_link_of_post),
    reviewers(
        "review:resend_link",
        method="POST",
        make_kwargs=_post_awaiting_external,
        data=_approver_id,
    ),
]


# --- Corrections of a post already sent ----------------------------------------------------


def _published_post(cast):
    """A post of ``cast["editor"]`` sent on one channel."""
    from django.utils import timezone

    from apps.publishing.enums import DeliveryState
    from apps.publishing.models import Delivery
    from tests.review.factories import post_in

    post = post_in(PostStatus.PUBLISHED, author=cast["editor"])
    Delivery.objects.create(
        variant=post.variants.get(),
        due_at=post.planned_at,
        state=DeliveryState.SENT,
        sent_at=timezone.now(),
        external_id="1",
    )
    return post


def _correction(cast):
    from apps.publishing.corrections import texts_of
    from apps.review.corrections import propose_correction

    post = _published_post(cast)
    after = {**texts_of(post), "title": post.title + " (corretto)"}
    correction = propose_correction(
        post, by=cast["editor"], expected_version=post.version, after=after
    )
    return {"pk": correction.pk}


def _correction_form(cast, kwargs):
    from apps.planning.models import Post

    post = Post.objects.get(pk=kwargs["pk"])
    return {"title": post.title + " (corretto)", "base_text": post.base_text, "expected_version": 1}


ROWS += [
    author_only("review:correct", make_kwargs=lambda cast: {"pk": _published_post(cast).pk}),
    author_only(
        "review:correct",
        method="POST",
        make_kwargs=lambda cast: {"pk": _published_post(cast).pk},
        data=_correction_form,
    ),
    staff("review:correction", make_kwargs=_correction),
    # The author of the correction (the editor) is no approver; an approver decides.
    reviewers(
        "review:correction_decide",
        method="POST",
        make_kwargs=_correction,
        data=lambda c, k: {"decision": "reject", "comment": "Non serve."},
    ),
]
