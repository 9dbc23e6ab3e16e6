from apps.newsletter.services import confirm_token
from tests.newsletter.factories import SubscriberFactory
from tests.permissions import public


def _pending(cast):
    return {"signed": confirm_token(SubscriberFactory(confirmed_at=None))}


def _active(cast):
    return {"token": SubscriberFactory().token}


ROWS = [
    public("newsletter:subscribe"),
    public(
        "newsletter:subscribe",
        method="POST",
        data=lambda cast, kwargs: {"email": "nuovo@example.org", "consent": "on"},
        label=" valid",
    ),
    public("newsletter:subscribed"),
    public("newsletter:confirm", make_kwargs=_pending),
    public("newsletter:confirm", method="POST", make_kwargs=_pending),
    public("newsletter:unsubscribe", make_kwargs=_active),
    public(
        "newsletter:unsubscribe",
        method="POST",
        make_kwargs=_active,
        data=lambda cast, kwargs: {"List-Unsubscribe": "One-Click"},
    ),
]
