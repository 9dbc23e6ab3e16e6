from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "apps.audit"
    label = "audit"

    def ready(self):
        from . import receivers  # noqa: F401, PLC0415  (ready: connects the receivers)
