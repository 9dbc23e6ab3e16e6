from django import forms
from django.utils.translation import gettext_lazy as _

from apps.channels.enums import ChannelKind
from apps.core.validators import WebURLField


class ResolveCheckForm(forms.Form):
    """A person's verdict on a send whose outcome was unknown."""

    outcome = forms.ChoiceField(
        label=_("Esito verificato sul canale"),
        choices=[("sent", _("Pubblicato")), ("failed", _("Non pubblicato"))],
    )
    url = WebURLField(label=_("Indirizzo pubblico (se pubblicato)"), required=False)


# What to paste, per kind: administrators rarely set these and never remember which token.
SECRET_HELP = {
    ChannelKind.MASTODON: _(
        "Token di accesso di un'applicazione creata in Preferenze › Sviluppo, con permesso "
        "write:statuses e write:media."
    ),
    ChannelKind.TELEGRAM: _(
        "Token del bot fornito da @BotFather (123456:ABC…); il bot deve essere amministratore "
        "del canale."
    ),
    ChannelKind.FACEBOOK: _(
        "Token di accesso della Pagina (Page access token) con pages_manage_posts."
    ),
    ChannelKind.INSTAGRAM: _(
        "Token di accesso con instagram_content_publish per l'account professionale collegato."
    ),
    ChannelKind.X: _("Token utente OAuth 2.0 con i permessi tweet.write e users.read."),
    ChannelKind.LINKEDIN: _(
        "Token di accesso di un amministratore della pagina con w_organization_social."
    ),
    ChannelKind.WORDPRESS: _(
        "Password per le applicazioni dell'utente indicato (Utenti › Profilo › Password "
        "per le applicazioni), con il permesso di pubblicare notizie; gli spazi si possono "
        "lasciare."
    ),
    ChannelKind.WEBHOOK: _(
        "Chiave condivisa con il sistema che riceve: firma ogni invio (HMAC-SHA256)."
    ),
}


class CredentialForm(forms.Form):
    secret = forms.CharField(
        label=_("Nuovo token o segreto"),
        help_text=_(
            "Incolla il token fornito dal servizio. Il valore non sarà più mostrato: "
            "per cambiarlo, inseriscine uno nuovo."
        ),
        max_length=4000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind in SECRET_HELP:
            field = self.fields["secret"]
            field.help_text = f"{SECRET_HELP[kind]} {field.help_text}"

    def clean_secret(self):
        # A token travels in an HTTP header (or URL path): a space, tab or line break inside
        # it is a paste slip that would only fail later, at every send, as a protocol error.
        secret = self.cleaned_data["secret"]
        if self.kind == ChannelKind.WORDPRESS:
            # WordPress shows application passwords in groups of four ("abcd efgh …") and
            # accepts them with or without the spaces.
            secret = secret.replace(" ", "")
        if any(char.isspace() or not char.isprintable() for char in secret):
            raise forms.ValidationError(
                _("Il token contiene spazi, a capo o caratteri invisibili: incollalo di nuovo.")
            )
        return secret
