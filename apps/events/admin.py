from django.contrib import admin

from .models import Event, EventCategory


@admin.register(EventCategory)
class EventCategoryAdmin(admin.ModelAdmin):
    """Categories are configured here; retire one instead of deleting it (its feed URL is
    in subscribers' calendars)."""

    list_display = ("name", "slug", "allows_recurrence", "retired")
    list_filter = ("retired",)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: events change through the management pages (audit, SEQUENCE)."""

    list_display = ("title", "starts_at", "category", "status", "published", "sequence")
    list_filter = ("category", "status", "published")
    search_fields = ("title",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
