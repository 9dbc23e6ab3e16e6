from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OfficeSettings
from .services import COMMENT_MAX_LENGTH


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Aggiungi un commento"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @classmethod
    def for_post(cls, post, data=None) -> "CommentForm":
        """The comment form of one post: its ids name the post, since a page (the review
        queue) can show the history of several posts."""
        return cls(data, auto_id=f"comment-{post.pk}-%s")


class DiffForm(forms.Form):
    da = forms.IntegerField(label=_("Dalla versione"), min_value=1)
    a = forms.IntegerField(label=_("Alla versione"), min_value=1)


class OfficeSettingsForm(forms.ModelForm):
    class Meta:
        model = OfficeSettings
        fields = ["allow_self_approval"]
