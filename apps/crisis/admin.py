from django.contrib import admin

from .models import Blackout, Crisis


class ViewOnlyAdmin(admin.ModelAdmin):
    """Changes go through the crisis pages, which write the audit entries."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Crisis)
class CrisisAdmin(ViewOnlyAdmin):
    list_display = ["reason", "declared_at", "declared_by", "ended_at"]


@admin.register(Blackout)
class BlackoutAdmin(ViewOnlyAdmin):
    list_display = ["reason", "kind", "starts_at", "ends_at", "all_channels"]
    list_filter = ["kind"]
