from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self):
        from . import security  # noqa: F401, PLC0415  (ready: connects the login receiver)
