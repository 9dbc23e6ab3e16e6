"""Rendering a network preview's text: escaped, links and hashtags marked as the networks
show them, line breaks kept."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from apps.media_library.selectors import preview_sources
from apps.planning.checks import HASHTAG_CANDIDATE_RE, LETTER_RE, URL_RE
from apps.planning.previews import previews_for_post

register = template.Library()


def _hashtags(segment: str) -> str:
    """Escape ``segment``, marking its hashtags (the same rule the checks count with)."""
    out, last = [], 0
    for match in HASHTAG_CANDIDATE_RE.finditer(segment):
        if not LETTER_RE.search(match.group(1)):
            continue
        out.append(escape(segment[last : match.start()]))
        out.append(f'<span class="preview-hashtag">{escape(match.group(0))}</span>')
        last = match.end()
    out.append(escape(segment[last:]))
    return "".join(out)


@register.filter
def preview_text(text: str) -> str:
    """The text as the network shows it. Every character typed is escaped; links are not
    clickable in a preview (it is not the network), only styled as the network styles them."""
    text = text or ""
    out, last = [], 0
    for match in URL_RE.finditer(text):
        out.append(_hashtags(text[last : match.start()]))
        out.append(f'<span class="preview-link">{escape(match.group(0))}</span>')
        last = match.end()
    out.append(_hashtags(text[last:]))
    return mark_safe("".join(out).replace("\n", "<br>"))  # noqa: S308 - every piece escaped


@register.simple_tag
def post_previews(post) -> list:
    """One network preview per variant of ``post`` (variants, channels and images preloaded),
    with its library files as each network gets them (``post.media``, prefetched with
    ``media__asset__renditions``), each with the channel's alt text."""
    assets = [use.asset for use in post.media.all()]

    def library(variant, own_images):
        return preview_sources(
            own_images,
            assets,
            network=variant.channel.kind,
            alt_overrides=variant.alt_text_overrides,
        )

    return previews_for_post(post, library=library)
