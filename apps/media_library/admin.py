from django.contrib import admin

from .models import Asset, Collection, Tag


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "alt_text", "licence", "rights_expire_on", "uploaded_at"]
    list_filter = ["kind", "licence"]
    search_fields = ["alt_text", "caption", "credits"]
    readonly_fields = ["file", "poster", "content_hash", "size_bytes", "width", "height"]


admin.site.register(Tag)
admin.site.register(Collection)
