from django.contrib import admin

from .models import ConsentRecord, Subscriber


class ConsentInline(admin.TabularInline):
    model = ConsentRecord
    extra = 0
    can_delete = False
    readonly_fields = ("action", "at", "ip_address", "user_agent", "text_shown")


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "created_at", "confirmed_at", "unsubscribed_at")
    search_fields = ("email",)
    readonly_fields = ("created_at", "confirmed_at", "unsubscribed_at")
    exclude = ("token",)
    inlines = [ConsentInline]
