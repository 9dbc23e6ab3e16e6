from django import template
from django.utils import formats
from django.utils.translation import get_language

register = template.Library()


@register.filter(expects_localtime=True)
def local_date(value, fmt: str) -> str:
    """Like ``date``, but Italian weekdays and months in lower case ("sabato 5 dicembre"), as
    Italian writes them in running text; other languages keep their capitals."""
    text = formats.date_format(value, fmt)
    if (get_language() or "").startswith("it"):
        return text.lower()
    return text
