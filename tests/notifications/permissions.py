"""The notification centre: every logged-in person has their own; colleagues to mention are
for staff only; someone else's notification is not found."""

from tests.permissions import NOT_FOUND, OK, Access


def own(url_name: str, **kwargs) -> Access:
    return Access(url_name, outsider=OK, **kwargs)


def _editors_notification(cast):
    from apps.notifications.enums import Kind
    from apps.notifications.models import Notification
    from apps.notifications.services import notify

    notify([cast["editor"]], Kind.APPROVED, params={"title": "Ponte"}, url="/calendario/")
    return {"pk": Notification.objects.filter(user=cast["editor"]).latest("pk").pk}


def _every_kind_by_digest(cast, kwargs):
    from apps.notifications.enums import Kind

    return {**dict.fromkeys(Kind.values, "digest"), "quiet_from": "", "quiet_until": ""}


def editors_own(url_name: str, **kwargs) -> Access:
    """A notification of the editor's: anyone else gets 404, not a hint that it exists."""
    return Access(
        url_name,
        make_kwargs=_editors_notification,
        outsider=NOT_FOUND,
        other_editor=NOT_FOUND,
        approver=NOT_FOUND,
        admin=NOT_FOUND,
        **kwargs,
    )


ROWS = [
    own("notifications:list"),
    own("notifications:bell"),
    own("notifications:preferences"),
    own("notifications:preferences", method="POST", data=_every_kind_by_digest),
    own("notifications:mark_all_read", method="POST"),
    Access("notifications:people", query="?q=a"),
    editors_own("notifications:open"),
    editors_own("notifications:mark_read", method="POST"),
]
