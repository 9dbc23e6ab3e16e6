"""What the post and review pages show of a post's library assets."""

from django import template

from ..rules import rights_problems

register = template.Library()


@register.simple_tag
def library_assets(post) -> dict:
    """The assets the post uses (from ``post.media``, prefetched by list pages) and the
    rights problems of :func:`..rules.rights_problems` for its planned time."""
    assets = [use.asset for use in post.media.all()]
    return {
        "assets": assets,
        "rights_problems": rights_problems(assets, planned_at=post.planned_at),
    }
