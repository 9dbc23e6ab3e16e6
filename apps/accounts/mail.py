"""Emails to people of the office, each in the person's own language.

Services decide *who* hears about *what*; this module renders the message once per language
(the language a person last chose with the switcher, else the site's) and sends it. A mail
server problem is logged and never undoes the action that caused the email.
"""

import logging
from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import translation

from .models import Profile
from .roles import Role

logger = logging.getLogger(__name__)


def language_of(user) -> str:
    profile = Profile.objects.filter(user=user).only("language").first()
    return profile.language if profile is not None else settings.LANGUAGE_CODE


def remember_language(user, language: str) -> None:
    if language in dict(settings.LANGUAGES):
        Profile.objects.update_or_create(user=user, defaults={"language": language})


def administrators() -> QuerySet[User]:
    return User.objects.filter(Q(groups__name=Role.ADMIN.value) | Q(is_superuser=True)).distinct()


def people_with_role(role: Role) -> QuerySet[User]:
    return User.objects.filter(groups__name=role.value).distinct()


def email_people(
    users,
    *,
    subject: Callable[[], str],
    template: str = "",
    context: dict | None = None,
    body: Callable[[], str] | None = None,
) -> int:
    """Send a plain-text email to every active user among ``users`` who has an address,
    rendered once per language: ``template`` with ``context``, or ``body()`` for a short
    message; ``subject()`` is called in that language too. Returns how many addresses the
    mail server accepted."""
    by_language: dict[str, list[str]] = defaultdict(list)
    rows = (
        User.objects.filter(pk__in=[u.pk for u in users] if isinstance(users, list) else users)
        .filter(is_active=True)
        .exclude(email="")
        .values_list("email", "profile__language")
        .distinct()
    )
    for email, language in rows:
        by_language[language or settings.LANGUAGE_CODE].append(email)
    sent = 0
    for language, recipients in sorted(by_language.items()):
        with translation.override(language):
            # A title with a line break must not break the header.
            text_subject = " ".join(subject().split())
            text = body() if body is not None else render_to_string(template, context or {})
        try:
            send_mail(text_subject, text, None, sorted(set(recipients)))
        except Exception:  # logged; the action that caused the email stands
            logger.exception("Could not send %s to %s", template, recipients)
            continue
        sent += len(set(recipients))
    return sent
