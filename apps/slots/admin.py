from django.contrib import admin

from .models import Slot, SlotFill, SlotReminder, SlotSkip


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ["name", "rrule", "time", "owner", "active", "is_events_digest"]
    list_filter = ["active", "is_events_digest"]
    search_fields = ["name"]


@admin.register(SlotFill)
class SlotFillAdmin(admin.ModelAdmin):
    list_display = ["slot", "occurrence_at", "post"]
    raw_id_fields = ["post"]


@admin.register(SlotSkip)
class SlotSkipAdmin(admin.ModelAdmin):
    list_display = ["slot", "occurrence_at", "reason", "created_by"]


@admin.register(SlotReminder)
class SlotReminderAdmin(admin.ModelAdmin):
    list_display = ["slot", "occurrence_at", "sent_on", "recipient"]
