from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetKind(models.TextChoices):
    IMAGE = "image", _("Immagine")
    VIDEO = "video", _("Video")


class Licence(models.TextChoices):
    CC_BY = "cc-by", _("CC BY")
    CC_BY_SA = "cc-by-sa", _("CC BY-SA")
    CC0 = "cc0", _("CC0 (pubblico dominio)")
    COMUNE = "comune", _("Proprietà del Comune")
    INSTITUTIONAL = "istituzionale", _("Concessa per uso istituzionale")
    OTHER = "altra", _("Altra (specificare)")


class CaptionLanguage(models.TextChoices):
    """The languages a video's captions may be in (the ``<track>``'s ``srclang``)."""

    IT = "it", _("Italiano")
    EN = "en", _("Inglese")
    DE = "de", _("Tedesco")
    FR = "fr", _("Francese")
    ES = "es", _("Spagnolo")
    SL = "sl", _("Sloveno")
