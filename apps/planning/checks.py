"""Editor checks on a variant's text against its channel's rules. (Calendar issue.)"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    code: str  # "too_long", "too_many_hashtags", …
    message: str
    blocking: bool = False  # blocking findings forbid approval


def check_variant(text: str, channel, *, link: str = "") -> list[Finding]:
    return []


def check_post(post) -> dict[int, list[Finding]]:
    """Findings per variant id."""
    return {
        variant.id: check_variant(variant.text, variant.channel) for variant in post.variants.all()
    }


def has_blocking_findings(post) -> bool:
    return any(f.blocking for findings in check_post(post).values() for f in findings)
