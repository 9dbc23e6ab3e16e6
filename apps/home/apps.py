from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The home page and /healthz: they read across every app, so nothing imports them."""

    name = "apps.home"
    label = "home"
