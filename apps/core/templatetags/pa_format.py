import re
from datetime import timedelta

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.translation import get_language

register = template.Library()


@register.filter
def total_minutes(value):
    """A timedelta as whole minutes (rounded up), for messages like "riprova tra 15 minuti"."""
    if not isinstance(value, timedelta):
        return ""
    seconds = int(value.total_seconds())
    return max(1, -(-seconds // 60))


@register.filter(expects_localtime=True, is_safe=False)
def local_date(value, arg=None):
    """Like ``date``, with month and weekday names as the language writes them in a sentence:
    lower case in Italian ("venerdì 11 dicembre 2026"), as they are in English ("Friday").

    Django's Italian locale capitalises them as if they were titles. Apply ``capfirst`` where
    the date starts a sentence or a heading. Same name and rule as the public event pages'
    ``event_dates.local_date``, which can become an import of this one.
    """
    text = date_filter(value, arg)
    if text and (get_language() or "").split("-")[0] == "it":
        return text.lower()
    return text


# Day numbers read with a leading vowel in Italian (uno, otto, undici) take "l'", the others
# "il": "l'8 dicembre", "l'11 dicembre", "il 12 dicembre".
_ELIDED_DAY = re.compile(r"(1|8|11)(?!\d)")


@register.filter(expects_localtime=True, is_safe=False)
def local_date_with_article(value, arg=None):
    """``local_date`` preceded, in Italian, by the article a day number takes in a sentence
    ("dichiarata l'11 dicembre", not "il 11 dicembre"). Other languages get the date alone:
    their sentence carries its own preposition ("declared on {{ since }}")."""
    text = local_date(value, arg)
    if not text or (get_language() or "").split("-")[0] != "it":
        return text
    return ("l'" if _ELIDED_DAY.match(text) else "il ") + text
