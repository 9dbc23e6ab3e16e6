from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaLibraryConfig(AppConfig):
    name = "apps.media_library"
    label = "media_library"
    verbose_name = _("Libreria media")

    def ready(self):
        from . import signals  # noqa: F401, PLC0415  (ready: connects the receivers)
