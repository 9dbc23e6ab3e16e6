from django import forms
from django.utils.translation import gettext_lazy as _

from apps.notifications.forms import MENTION_HELP, mention_attrs

from .models import OfficeSettings
from .services import COMMENT_MAX_LENGTH


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Aggiungi un commento"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, **mention_attrs()}),
        help_text=MENTION_HELP,
    )

    @classmethod
    def for_post(cls, post, data=None) -> "CommentForm":
        """The comment form of one post: its ids name the post, since a page (the review
        queue) can show the history of several posts."""
        return cls(data, auto_id=f"comment-{post.pk}-%s")


class RequestChangesForm(forms.Form):
    """What the approver asks the author to change. The rule (a comment is required) is the
    service's (``services.request_changes``); this form only draws the field, keeping what was
    typed and the service's refusal tied to it."""

    comment = forms.CharField(
        label=_("Cosa va cambiato"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, **mention_attrs()}),
        help_text=_("L'autore riceve il commento per email e lo trova nella discussione del post."),
    )

    @classmethod
    def for_post(cls, post, *, typed: str = "", error: str = "") -> "RequestChangesForm":
        form = cls(initial={"comment": typed}, auto_id=f"changes-{post.pk}-%s")
        if error:
            form.errors["comment"] = form.error_class([error])
        return form


class DiffForm(forms.Form):
    """Two saved versions of a post to compare (``versions``: ``selectors.versions_of``)."""

    da = forms.TypedChoiceField(label=_("Dalla versione"), coerce=int)
    a = forms.TypedChoiceField(label=_("Alla versione"), coerce=int)

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(version.number, version.label) for version in versions]
        self.fields["da"].choices = self.fields["a"].choices = choices

    @classmethod
    def showing(cls, post, versions, *, old, new, prefix_ids: bool) -> "DiffForm":
        """The form as drawn, with the pair compared selected; ``prefix_ids`` gives the ids the
        post's number, for pages that show the history of several posts."""
        auto_id = f"diff-{post.pk}-%s" if prefix_ids else "diff-%s"
        return cls(versions=versions, initial={"da": old, "a": new}, auto_id=auto_id)


class OfficeSettingsForm(forms.ModelForm):
    class Meta:
        model = OfficeSettings
        fields = ["allow_self_approval"]
