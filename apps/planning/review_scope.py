"""What an approval covers, derived from the models.

Every field of a post, its variants and its images is reviewed content unless it is named
here: workflow bookkeeping (written by the workflow, never by an edit) or free (notes for
colleagues). So a field added tomorrow sends an approved post back to review until someone
decides otherwise here, and ``tests/review/test_review_scope.py`` checks that every field a
check, the send gate or an adapter reads is reviewed.
"""

from datetime import datetime

from .models import Post, PostImage, Variant

BOOKKEEPING_FIELDS: dict[type, frozenset[str]] = {
    Post: frozenset(
        {
            "id",
            "status",
            "author",
            "last_editor",
            "version",
            "approved_version",
            "approved_by",
            "approved_at",
            "reschedule_only_pending",
            "content_editor_ids",
            "created_as_crisis_communication",
            "created_at",
            "updated_at",
        }
    ),
    Variant: frozenset({"id", "post"}),
    PostImage: frozenset({"id", "post"}),
}

# What a person may change on an approved post without a new approval: notes for colleagues,
# and how the office files the post (its campaign and tags), which no channel ever reads.
FREE_FIELDS = frozenset({"notes", "campaign", "tags"})
# The free fields that are not columns of the post (its many-to-many relations).
FREE_RELATIONS = frozenset({"tags"})

# Flags that let a post through a crisis or a blackout: only an approver sets them.
BYPASS_FIELDS = ("is_crisis_communication", "is_indispensable", "indispensable_reason")


def reviewed_fields(model: type) -> list[str]:
    """The names of ``model``'s concrete fields that an approval covers."""
    skip = BOOKKEEPING_FIELDS[model] | (FREE_FIELDS if model is Post else frozenset())
    return [f.name for f in model._meta.concrete_fields if f.name not in skip]


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name
    return value


def _values(instance, names: list[str]) -> dict:
    fields = {f.name: f for f in type(instance)._meta.concrete_fields}
    return {name: _plain(getattr(instance, fields[name].attname)) for name in names}


def content_snapshot(post: Post) -> dict:
    """The post's reviewed content, plus its free fields, as plain data: what changed between
    two snapshots says whether the approval still holds. Variants, images and tags are
    prefetched by the caller."""
    data = _values(post, reviewed_fields(Post) + sorted(FREE_FIELDS - FREE_RELATIONS))
    data["tags"] = sorted(t.pk for t in post.tags.all())
    variant_fields = [name for name in reviewed_fields(Variant) if name != "channel"]
    variants = {str(v.channel_id): _values(v, variant_fields) for v in post.variants.all()}
    data["channels"] = sorted(int(c) for c in variants)
    data["variants"] = variants
    data["images"] = [
        {"id": i.pk, **_values(i, reviewed_fields(PostImage))} for i in post.images.all()
    ]
    return data


def needs_review(changed: set[str]) -> set[str]:
    """Of the snapshot keys that changed, those an approval covers."""
    return changed - FREE_FIELDS
