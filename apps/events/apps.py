from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "apps.events"
    label = "events"

    def ready(self):
        from . import signals  # noqa: F401, PLC0415  (ready: connects the receivers)
