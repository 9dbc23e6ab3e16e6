from apps.planning.enums import PostStatus
from tests.permissions import FORBIDDEN, Access, admins, reviewers, staff


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
