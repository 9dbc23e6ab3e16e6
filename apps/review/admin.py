from django.contrib import admin

from .models import Comment

# OfficeSettings is deliberately not here: it changes only on its own page, which audits it.


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Comments are part of the record of a post's review: read-only here too."""

    list_display = ("created_at", "author", "post", "body")
    search_fields = ("body",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
