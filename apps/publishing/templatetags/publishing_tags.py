from django import template
from django.conf import settings

from apps.accounts.roles import can
from apps.planning.access import can_manage_post

from .. import corrections, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def post_deliveries(context, post):
    """The post page's delivery rows, and whether this user may act on them."""
    user = context["request"].user
    return {
        "deliveries": selectors.deliveries_for_post(post_id=post.pk),
        "can_review": can(user, "review"),
        "can_retry": can_manage_post(user, post),
    }


@register.simple_tag(takes_context=True)
def post_corrections(context, post):
    """The post page's corrections (each with its outcome per channel), and what this user
    may do: propose one ("Correggi", or why not) and send again an update."""
    user = context["request"].user
    manages = can_manage_post(user, post)
    listed = corrections.corrections_of(post)
    shown = post.status in corrections.CORRECTABLE_STATES or bool(listed)
    return {
        "shown": shown,
        "corrections": listed,
        "can_correct": manages,
        "refusal": corrections.why_not_correctable(post) if manages and shown else "",
        "can_resend": manages,
    }


@register.simple_tag
def can_resend_outcome(outcome) -> bool:
    return corrections.can_resend(outcome)


@register.simple_tag
def publishing_problems(limit: int = 5):
    """Failed and to-check deliveries for the home page: the newest few and the total."""
    rows = list(selectors.problems()[:limit])
    return {"rows": rows, "count": selectors.problem_count()}


@register.simple_tag
def link_tracking():
    """What happens to a post's links when it is sent (the approver sees it before approving)."""
    return {"counted": settings.LINK_TRACKING, "utm": settings.LINK_UTM}
