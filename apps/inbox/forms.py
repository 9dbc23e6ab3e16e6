from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.accounts.roles import CAPABILITIES
from apps.channels.models import Channel
from apps.core.forms import date_input
from apps.planning.models import ContentCategory

from .enums import CloseReason, ConversationKind, ConversationStatus, ModerationAction
from .selectors import MAX_KEYWORD, InboxFilters

REPLY_MAX_LENGTH = 5000
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
OFFICES = ("Tributi", "Anagrafe", "Polizia locale", "Lavori pubblici", "Servizi sociali", "URP")


def inbox_people():
    roles = [role.value for role in CAPABILITIES["inbox"]]
    return (
        get_user_model()
        .objects.filter(Q(groups__name__in=roles) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("username")
    )


class InboxFilterForm(forms.Form):
    canale = forms.ModelChoiceField(
        label=_("Canale"), queryset=Channel.objects.none(), required=False, empty_label=_("Tutti")
    )
    stato = forms.ChoiceField(
        label=_("Stato"),
        required=False,
        choices=[("", _("Tutti")), ("open", _("Da rispondere"))] + ConversationStatus.choices,
    )
    tipo = forms.ChoiceField(
        label=_("Tipo"), required=False, choices=[("", _("Tutti"))] + ConversationKind.choices
    )
    argomento = forms.ModelChoiceField(
        label=_("Argomento"),
        queryset=ContentCategory.objects.none(),
        required=False,
        empty_label=_("Tutti"),
    )
    assegnato = forms.ChoiceField(label=_("Assegnato a"), required=False)
    post = forms.IntegerField(label=_("Numero del post"), required=False, min_value=1)
    dal = forms.DateField(label=_("Dal giorno"), required=False, widget=date_input())
    al = forms.DateField(label=_("Al giorno (compreso)"), required=False, widget=date_input())
    domanda = forms.BooleanField(label=_("Solo con un punto di domanda"), required=False)
    cerca = forms.CharField(label=_("Parola chiave"), required=False, max_length=MAX_KEYWORD)
    crisi = forms.BooleanField(label=_("Solo dall'inizio della crisi"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["canale"].queryset = Channel.objects.filter(active=True)
        self.fields["argomento"].queryset = ContentCategory.objects.order_by("position", "name")
        self.fields["assegnato"].choices = [
            ("", _("Chiunque")),
            ("me", _("A me")),
            ("none", _("Nessuno")),
        ] + [(str(u.pk), u.get_full_name() or u.username) for u in inbox_people()]

    def _date(self, name):
        value = self.cleaned_data.get(name)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(_("Scegli una data tra il 2000 e il 2099."))
        return value

    def clean_dal(self):
        return self._date("dal")

    def clean_al(self):
        return self._date("al")

    def filters(self, *, crisis_since=None) -> InboxFilters:
        """The valid filters (an invalid field is ignored, and shown with its error)."""
        if not self.is_bound:
            return InboxFilters(status="open")
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        channel = data.get("canale")
        return InboxFilters(
            channel=channel.pk if channel else None,
            status=data.get("stato") or "",
            kind=data.get("tipo") or "",
            topic=data["argomento"].pk if data.get("argomento") else None,
            assignee=data.get("assegnato") or "",
            post=data.get("post"),
            since=data.get("dal"),
            until=data.get("al"),
            question=bool(data.get("domanda")),
            keyword=(data.get("cerca") or "").strip(),
            crisis_since=crisis_since if data.get("crisi") else None,
        )


class ReplyForm(forms.Form):
    testo = forms.CharField(
        label=_("La tua risposta"),
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Esce dall'account del Comune, sul canale della conversazione."),
    )
    chiave = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class TopicForm(forms.Form):
    argomento = forms.ModelChoiceField(
        label=_("Argomento"),
        queryset=ContentCategory.objects.none(),
        required=False,
        empty_label=_("Nessuno"),
        help_text=_(
            "Di solito è la categoria del post a cui risponde. Per alcuni argomenti le "
            "risposte della redazione vanno approvate."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["argomento"].queryset = ContentCategory.objects.filter(active=True).order_by(
            "position", "name"
        )


class AssignForm(forms.Form):
    assegnatario = forms.ModelChoiceField(label=_("Assegna a"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assegnatario"].queryset = inbox_people()


class CloseForm(forms.Form):
    motivo = forms.ChoiceField(
        label=_("Motivo della chiusura senza risposta"),
        choices=CloseReason.choices,
        widget=forms.RadioSelect,
    )


class ModerateForm(forms.Form):
    azione = forms.ChoiceField(
        label=_("Azione"), choices=ModerationAction.choices, widget=forms.RadioSelect
    )
    motivo = forms.CharField(
        label=_("Motivo"),
        max_length=300,
        help_text=_("Obbligatorio: resta nel registro delle attività."),
    )


class HandoverForm(forms.Form):
    ufficio = forms.CharField(
        label=_("Ufficio"),
        max_length=120,
        help_text=_("Per esempio: %(offices)s.") % {"offices": ", ".join(OFFICES)},
    )
    email = forms.EmailField(label=_("Indirizzo email dell'ufficio"))
    nota = forms.CharField(
        label=_("Nota per l'ufficio"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Solo quello che serve all'ufficio: il link mostra la conversazione."),
    )


class OfficeAnswerForm(forms.Form):
    risposta = forms.CharField(
        label=_("Risposta dell'ufficio"),
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    firma = forms.CharField(label=_("Nome di chi risponde"), max_length=120)


class ExportForm(forms.Form):
    cittadino = forms.CharField(
        label=_("Cittadino"),
        max_length=200,
        help_text=_(
            "Account (@nome), nome visualizzato o id sulla rete, come nella conversazione."
        ),
    )
