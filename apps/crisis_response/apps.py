from django.apps import AppConfig


class CrisisResponseConfig(AppConfig):
    """What people do about a crisis; the crisis state, blackouts and the gate are ``crisis``."""

    name = "apps.crisis_response"
    label = "crisis_response"
