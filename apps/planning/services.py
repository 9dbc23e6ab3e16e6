"""Writes of posts. (Calendar issue: the planning area completes this module.)"""

from django.db import transaction

from apps.audit.services import record

from .models import Post, Variant


def create_post(
    *,
    author,
    title,
    category,
    planned_at,
    channels,
    base_text="",
    link="",
    event=None,
    notes="",
    variant_texts: dict | None = None,
    is_crisis_communication=False,
) -> Post:
    """A new draft with one variant per channel, each starting from the base text.

    ``variant_texts`` maps channel id -> text for channels whose variant differs.
    """
    variant_texts = variant_texts or {}
    with transaction.atomic():
        post = Post.objects.create(
            author=author,
            last_editor=author,
            title=title,
            category=category,
            planned_at=planned_at,
            base_text=base_text,
            link=link,
            event=event,
            notes=notes,
            is_crisis_communication=is_crisis_communication,
        )
        for channel in channels:
            Variant.objects.create(
                post=post, channel=channel, text=variant_texts.get(channel.id, base_text)
            )
        record(action="post.created", actor=author, obj=post, summary=title)
    return post
