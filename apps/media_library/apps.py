from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaLibraryConfig(AppConfig):
    name = "apps.media_library"
    label = "media_library"
    verbose_name = _("Libreria media")
