"""Administrators set the response-time targets, the office calendar, retention and the ready
answers here. Conversations themselves are worked in the inbox, not in the admin: their
content is personal data and their status has one mover."""

from django.contrib import admin

from .models import CannedAnswer, InboxSettings, ResponseTarget


@admin.register(ResponseTarget)
class ResponseTargetAdmin(admin.ModelAdmin):
    list_display = ["channel", "kind", "hours", "escalate_after_hours"]
    list_filter = ["kind"]


@admin.register(CannedAnswer)
class CannedAnswerAdmin(admin.ModelAdmin):
    list_display = ["title", "topic", "channel", "for_crisis"]
    list_filter = ["for_crisis", "channel"]
    search_fields = ["title", "topic", "text"]


@admin.register(InboxSettings)
class InboxSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "retention_months", "day_start", "day_end", "office_head"]
    filter_horizontal = ["approval_topics"]

    def has_add_permission(self, request):
        return not InboxSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
