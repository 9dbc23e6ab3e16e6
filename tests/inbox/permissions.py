from tests.permissions import FORBIDDEN, NOT_FOUND, Access, admins, public, reviewers


def _conversation(cast):
    from apps.inbox.models import Conversation
    from apps.inbox.services import ingest
    from tests.factories import ChannelFactory
    from tests.inbox.conftest import incoming

    channel = ChannelFactory(name="Registro (conversazioni)", kind="outbox")
    count = Conversation.objects.count()
    ingest(channel=channel, items=[incoming(f"perm-{count}", thread_key=f"perm-{count}")])
    return {"pk": Conversation.objects.order_by("-pk").first().pk}


def _message(cast):
    from apps.inbox.models import Message

    kwargs = _conversation(cast)
    return {"pk": Message.objects.filter(conversation_id=kwargs["pk"]).get().pk}


def _token(cast):
    from apps.inbox.models import Conversation
    from apps.inbox.services import hand_over

    conversation = Conversation.objects.get(pk=_conversation(cast)["pk"])
    token = hand_over(
        conversation=conversation,
        office="Tributi",
        email="tributi@comune.esempio.it",
        note="",
        by=None,
    )
    return {"token": token}


def _proposed(cast):
    from apps.inbox.models import Conversation, InboxSettings
    from apps.inbox.services import reply

    settings = InboxSettings.load()
    settings.editor_replies_need_approval = True
    settings.save()
    conversation = Conversation.objects.get(pk=_conversation(cast)["pk"])
    return {"pk": reply(conversation=conversation, text="Proposta", by=cast["editor"]).pk}


ROWS = [
    Access("inbox:list"),
    Access("inbox:list", query="?stato=open&domanda=on&cerca=TARI", label=" filtered"),
    Access("inbox:counts"),
    Access("inbox:conversation", make_kwargs=_conversation),
    Access(
        "inbox:reply",
        method="POST",
        make_kwargs=_conversation,
        data=lambda cast, kwargs: {"testo": "Grazie, le rispondiamo subito.", "chiave": ""},
    ),
    Access(
        "inbox:reply_checks",
        method="POST",
        make_kwargs=_conversation,
        data=lambda cast, kwargs: {"testo": "Grazie!"},
    ),
    Access(
        "inbox:assign",
        method="POST",
        make_kwargs=_conversation,
        data=lambda cast, kwargs: {"assegnatario": cast["editor"].pk},
    ),
    Access(
        "inbox:close",
        method="POST",
        make_kwargs=_conversation,
        data=lambda cast, kwargs: {"motivo": "spam"},
    ),
    Access(
        "inbox:topic",
        method="POST",
        make_kwargs=_conversation,
        data=lambda cast, kwargs: {"argomento": ""},
    ),
    Access(
        "inbox:hand_over",
        method="POST",
        make_kwargs=_conversation,
        data=lambda cast, kwargs: {"ufficio": "Tributi", "email": "tributi@comune.esempio.it"},
    ),
    reviewers(
        "inbox:moderate",
        method="POST",
        make_kwargs=_message,
        data=lambda cast, kwargs: {"azione": "hide", "motivo": "Insulto a un dipendente"},
    ),
    reviewers("inbox:approve_reply", method="POST", make_kwargs=_proposed),
    reviewers("inbox:reject_reply", method="POST", make_kwargs=_proposed),
    admins("inbox:export"),
    admins(
        "inbox:export",
        method="POST",
        data=lambda cast, kwargs: {"cittadino": "@mario"},
        label=" download",
    ),
    public("inbox:office_answer", make_kwargs=_token),
    public(
        "inbox:office_answer",
        method="POST",
        make_kwargs=_token,
        data=lambda cast, kwargs: {"risposta": "La scadenza è il 16 dicembre.", "firma": "Tributi"},
        label=" answer",
    ),
    Access(
        "inbox:office_answer",
        make_kwargs=lambda cast: {"token": "not-a-real-token"},
        label=" unknown token",
        anonymous=NOT_FOUND,
        outsider=NOT_FOUND,
        editor=NOT_FOUND,
        other_editor=NOT_FOUND,
        approver=NOT_FOUND,
        admin=NOT_FOUND,
    ),
    # Meta calls it: no login; an unsigned delivery or a wrong verify token is refused.
    Access(
        "inbox:meta_webhook",
        anonymous=FORBIDDEN,
        outsider=FORBIDDEN,
        editor=FORBIDDEN,
        other_editor=FORBIDDEN,
        approver=FORBIDDEN,
        admin=FORBIDDEN,
    ),
    # The mail provider calls it: no login; an unsigned delivery is refused.
    Access(
        "inbox:email_webhook",
        method="POST",
        anonymous=FORBIDDEN,
        outsider=FORBIDDEN,
        editor=FORBIDDEN,
        other_editor=FORBIDDEN,
        approver=FORBIDDEN,
        admin=FORBIDDEN,
    ),
]
