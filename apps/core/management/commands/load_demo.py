"""Loads the "Comune di Esempio" demo: idempotent, refused in production mode."""

import importlib

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Each app that has demo content exposes ``demo.load(ctx)``; order follows dependencies.
DEMO_APPS = [
    "accounts",
    "channels",
    "planning",
    "media_library",
    "events",
    "slots",
    "review",
    "publishing",
    "crisis",
    "newsletter",
    "notifications",
    "inbox",
    "insights",
]


class Command(BaseCommand):
    help = "Load the demo data of the Comune di Esempio (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the database already has users."
        )

    def handle(self, *args, if_empty=False, **options):
        if settings.PRODUCTION_MODE:
            raise CommandError("load_demo is refused in production mode (DJANGO_DEBUG=0).")
        if if_empty and User.objects.exists():
            self.stdout.write("Database already has data: demo not loaded.")
            return
        ctx: dict = {}
        with transaction.atomic():
            for app in DEMO_APPS:
                try:
                    module = importlib.import_module(f"apps.{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"apps.{app}.demo":
                        raise
                    continue
                module.load(ctx)
                self.stdout.write(f"  {app}: ok")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
