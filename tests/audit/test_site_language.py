"""The audit register is the Comune's: its summaries are in the site's language
(``settings.LANGUAGE_CODE``, Italian) even when the person acting uses the English interface."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.audit.models import AuditEntry
from apps.audit.services import record

pytestmark = pytest.mark.django_db


def test_a_setting_changed_from_the_english_interface_is_registered_in_italian(admin_client_):
    admin_client_.post(reverse("set_language"), {"language": "en", "next": "/"})

    response = admin_client_.post(
        reverse("review:settings"), {"allow_self_approval": "on"}, follow=True
    )

    assert "Settings saved." in response.content.decode()  # the person reads English
    entry = AuditEntry.objects.get(action="settings.self_approval")
    assert entry.summary == "Auto-approvazione consentita"


def test_a_summary_built_by_a_callable_is_rendered_in_the_site_language():
    with translation.override("en"):
        assert _("Auto-approvazione consentita") == "Self-approval allowed"  # the catalogue works
        entry = record(
            action="settings.self_approval", summary=lambda: _("Auto-approvazione consentita")
        )

    assert entry.summary == "Auto-approvazione consentita"
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Auto-approvazione consentita"


def test_a_lazy_summary_is_rendered_in_the_site_language():
    with translation.override("en"):
        entry = record(
            action="settings.self_approval", summary=gettext_lazy("Auto-approvazione consentita")
        )

    assert entry.summary == "Auto-approvazione consentita"


def test_the_language_of_the_person_is_restored_after_recording():
    with translation.override("en"):
        record(action="settings.self_approval", summary=lambda: _("Auto-approvazione consentita"))

        assert translation.get_language() == "en"
