"""Writes through the web pages' own forms: the JSON a client sends becomes the data of
``PostForm`` / ``EventForm``, so every check of the browser (dates, channels, editor checks,
links, clock changes, recurrences) applies unchanged, and their messages come back per field.
"""

from datetime import UTC

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.roles import can
from apps.events.forms import EventForm
from apps.events.services import create_event, update_event
from apps.planning.forms import PostForm, public_title_field_name, variant_field_name
from apps.planning.news import field_name as news_field_name
from apps.planning.news import topics_text
from apps.publishing.corrections import corrected_variants, texts_of
from apps.review.forms import CorrectionForm

from .problems import invalid

# Form field -> API field, where they differ.
POST_FIELD_NAMES = {"planned_date": "planned_at", "planned_time": "planned_at"}
EVENT_FIELD_NAMES = {
    "start_time": "starts_at",
    "end_time": "ends_at",
    "clock_pass": "starts_at",
    "repeat_weekly": "repeat_weekly",
}


def _errors(form, names: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        if name.startswith("variant_"):
            key = "variant_texts." + name.removeprefix("variant_")
        elif name.startswith("public_title_"):
            key = "public_titles." + name.removeprefix("public_title_")
        elif name.startswith("news_"):  # news_<field>_<channel id>
            field, channel_id = name.removeprefix("news_").rsplit("_", 1)
            key = f"news.{channel_id}.{field}"
        elif name == "__all__":
            key = "__all__"
        else:
            key = names.get(name, name)
        for message in messages:
            if message not in errors.get(key, []):
                errors.setdefault(key, []).append(str(message))
    return errors


def _local_date_time(value) -> tuple[str, str]:
    # To the microsecond: an edit that does not move the post must give back its exact time.
    local = timezone.localtime(value)
    return local.date().isoformat(), local.strftime("%H:%M:%S.%f")


def post_form(changes: dict, *, user, post=None) -> PostForm:
    """A bound ``PostForm``: for an edit, the post as stored with ``changes`` on top."""
    data: dict = {}
    if post is not None:
        for name, value in PostForm.initial_for(post).items():
            data[name] = value
        data["planned_date"], data["planned_time"] = _local_date_time(post.planned_at)
    for name in (
        "title",
        "category",
        "base_text",
        "link",
        "event",
        "notes",
        "is_crisis_communication",
        "is_indispensable",
        "indispensable_reason",
        "channels",
        "version",
    ):
        if name in changes:
            data[name] = changes[name]
    if changes.get("planned_at") is not None:
        if timezone.is_naive(changes["planned_at"]):
            raise invalid({"planned_at": [_("Indica il fuso orario, es. +01:00 o Z.")]})
        data["planned_date"], data["planned_time"] = _local_date_time(changes["planned_at"])
    chosen = {str(pk) for pk in data.get("channels") or []}
    strays = {
        f"{kind}.{pk}": [_("Questo canale non è tra i canali del post.")]
        for kind in ("variant_texts", "public_titles", "news")
        for pk in changes.get(kind) or {}
        if str(pk) not in chosen
    }
    if strays:
        raise invalid(strays)
    for channel_id, text in (changes.get("variant_texts") or {}).items():
        data[variant_field_name(channel_id)] = text
    for channel_id, title in (changes.get("public_titles") or {}).items():
        data[public_title_field_name(channel_id)] = title
    for channel_id, news in (changes.get("news") or {}).items():
        news = dict(news or {})
        data[news_field_name("summary", channel_id)] = news.get("summary") or ""
        data[news_field_name("topics", channel_id)] = ", ".join(news.get("topics") or ())
        data[news_field_name("type", channel_id)] = news.get("type") or ""
        data[news_field_name("office", channel_id)] = news.get("office") or ""
    for name, value in list(data.items()):
        if value is None:
            data[name] = ""
    return PostForm(data, post=post, can_set_flags=can(user, "review"))


def valid_post_data(form: PostForm) -> dict:
    """The planning services' keyword arguments from a valid form, or a 400 with its errors."""
    if not form.is_valid():
        raise invalid(_errors(form, POST_FIELD_NAMES))
    return form.content_changes()


def event_form(changes: dict, *, event=None) -> EventForm:
    """A bound ``EventForm``: times given with their offset become the local date and time
    (and which pass of a fall-back night they are), as a person would type them."""
    data = dict(EventForm.initial_for(event)) if event is not None else {}
    for name in (
        "title",
        "category",
        "description",
        "all_day",
        "repeat_weekly",
        "repeat_until",
        "location_name",
        "address",
        "organiser",
        "link",
        "published",
    ):
        if name in changes:
            data[name] = changes[name]
    if changes.get("start_date") is not None:
        data["start_date"] = changes["start_date"]
    if changes.get("end_date") is not None:
        data["end_date"] = changes["end_date"]
    for field, date_name, time_name in (
        ("starts_at", "start_date", "start_time"),
        ("ends_at", "end_date", "end_time"),
    ):
        value = changes.get(field)
        if value is None:
            continue
        if timezone.is_naive(value):
            raise invalid({field: [_("Indica il fuso orario, es. +01:00 o Z.")]})
        local = timezone.localtime(value.astimezone(UTC))
        data[date_name], data[time_name] = local.date(), local.time().replace(tzinfo=None)
        if field == "starts_at" or not data.get("clock_pass"):
            data["clock_pass"] = "second" if local.fold else "first"
    if data.get("all_day"):
        data["start_time"] = data["end_time"] = None
    for channel_id, news in (changes.get("news") or {}).items():
        news = dict(news or {})
        data[news_field_name("summary", channel_id)] = news.get("summary") or ""
        data[news_field_name("topics", channel_id)] = ", ".join(news.get("topics") or ())
        data[news_field_name("type", channel_id)] = news.get("type") or ""
        data[news_field_name("office", channel_id)] = news.get("office") or ""
    for name, value in list(data.items()):
        if value is None:
            data[name] = ""
    return EventForm(data, event=event)


def save_event(form: EventForm, *, by, event=None):
    if not form.is_valid():
        raise invalid(_errors(form, EVENT_FIELD_NAMES))
    fields = form.to_fields()
    try:
        if event is None:
            return create_event(by=by, **fields)
        return update_event(event=event, by=by, **fields)
    except ValidationError as exc:
        raise invalid(
            {EVENT_FIELD_NAMES.get(k, k): [str(m) for m in v] for k, v in exc.message_dict.items()}
        ) from None


def correction_form(payload: dict, *, post) -> CorrectionForm:
    """A bound ``CorrectionForm`` (the page's checks) from an API body: what the body leaves
    out keeps the post's current texts; channels the correction does not cover are ignored."""
    variants = corrected_variants(post)
    texts = texts_of(post)
    data = {
        "title": texts["title"] if payload.get("title") is None else payload["title"],
        "base_text": texts["base_text"]
        if payload.get("base_text") is None
        else payload["base_text"],
        "expected_version": payload.get("version"),
    }
    sent = payload.get("variants") or {}
    for variant in variants:
        cid = variant.channel_id
        current = texts["variants"][str(cid)]
        given = {
            k: v for k, v in (sent.get(cid) or sent.get(str(cid)) or {}).items() if v is not None
        }
        values = {**current, **given}
        data[f"public_title_{cid}"] = values["public_title"]
        data[f"text_{cid}"] = values["text"]
        data[news_field_name("summary", cid)] = values["news_summary"]
        data[news_field_name("topics", cid)] = topics_text(values["news_topics"])
        data[news_field_name("type", cid)] = values["news_type"]
        data[news_field_name("office", cid)] = values["news_office"]
    return CorrectionForm(data, post=post, variants=variants, texts=texts)


def correction_errors(form: CorrectionForm) -> dict[str, list[str]]:
    """The form's errors named as in the API body (``variants.<channel id>.<field>``)."""
    errors: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        if name.startswith("public_title_"):
            key = "variants." + name.removeprefix("public_title_") + ".public_title"
        elif name.startswith("text_"):
            key = "variants." + name.removeprefix("text_") + ".text"
        elif name.startswith("news_"):  # news_<field>_<channel id>
            field, channel_id = name.removeprefix("news_").rsplit("_", 1)
            key = f"variants.{channel_id}.news_{field}"
        elif name == "expected_version":
            key = "version"
        else:
            key = name
        errors.setdefault(key, []).extend(str(m) for m in messages)
    return errors
