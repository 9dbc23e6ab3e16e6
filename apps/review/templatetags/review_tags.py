from django import template

from apps.review import external, selectors
from apps.review.forms import CommentForm, DiffForm, RequestChangesForm
from apps.review.selectors import review_state

register = template.Library()


@register.simple_tag(takes_context=True)
def post_review_state(context, post):
    """What the current user may do on ``post`` now, and the editor-check warnings."""
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    return review_state(post, user, request=request)


@register.filter
def heading_level(value, default=2):
    try:
        level = int(value)
    except (TypeError, ValueError):
        return default
    return level if 2 <= level <= 6 else default


@register.simple_tag
def post_comments(post):
    return list(selectors.comments_of(post))


@register.simple_tag
def post_versions(post):
    return selectors.versions_of(post)


@register.simple_tag
def post_audit(post):
    return selectors.audit_of(post)


@register.simple_tag
def post_changes_since_approval(post):
    return selectors.changes_since_approval(post)


@register.simple_tag
def post_approval_mark(post):
    """When the post was last approved, wholly or at a step (see ``selectors.approval_mark``)."""
    return selectors.approval_mark(post)


@register.simple_tag
def comment_form_for(post, form=None):
    """The form the view sent back with its errors, or an empty one for ``post``."""
    return form or CommentForm.for_post(post)


@register.simple_tag
def diff_form_for(post, versions):
    """The history's "compare" form: the last two saves selected."""
    old, new = (versions[1].number, versions[0].number) if len(versions) >= 2 else (None, None)
    return DiffForm.showing(post, versions, old=old, new=new, prefix_ids=True)


@register.simple_tag
def request_changes_form_for(post, typed="", error=""):
    """The "request changes" form of ``post``, with what was typed and the refusal, if any."""
    return RequestChangesForm.for_post(post, typed=typed or "", error=error or "")


@register.simple_tag
def post_external_links(post):
    """The links sent to approvers outside the office: (link, state in words, still works)."""
    rows = []
    for link in external.links_of(post):
        rows.append((link, external.state_of(link, post), not external.problem_with(link, post)))
    return rows
