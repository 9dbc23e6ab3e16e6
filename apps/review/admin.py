from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import Q

from apps.accounts.roles import Role
from apps.audit.services import record

from .models import ApprovalRoute, ApprovalStep, Comment, ExternalApprover, ExternalLink

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


# --- Approval routes: administrators define them here; every change is audited ------------


# Plain multiple selects, not ``filter_horizontal``: the admin's two-box widget puts an
# aria-label on bare spans (an axe violation).
class ApprovalStepInline(admin.StackedInline):
    model = ApprovalStep
    extra = 0
    min_num = 1
    fields = ("position", "name", "role", "people", "external_approvers", "mode")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "people":  # only colleagues who may approve
            kwargs["queryset"] = (
                User.objects.filter(
                    Q(groups__name__in=[Role.APPROVER.value, Role.ADMIN.value])
                    | Q(is_superuser=True),
                    is_active=True,
                )
                .distinct()
                .order_by("first_name", "last_name", "username")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class _Audited(admin.ModelAdmin):
    audit_prefix = ""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        record(
            action=f"{self.audit_prefix}.{'updated' if change else 'created'}",
            actor=request.user,
            obj=obj,
            summary=str(obj),
        )

    def delete_model(self, request, obj):
        record(action=f"{self.audit_prefix}.deleted", actor=request.user, obj=obj, summary=str(obj))
        super().delete_model(request, obj)


@admin.register(ApprovalRoute)
class ApprovalRouteAdmin(_Audited):
    audit_prefix = "approval_route"
    list_display = ("name", "priority", "active", "crisis_only")
    list_filter = ("active", "crisis_only")
    inlines = [ApprovalStepInline]


@admin.register(ExternalApprover)
class ExternalApproverAdmin(_Audited):
    audit_prefix = "external_approver"
    list_display = ("name", "position", "email", "active")
    list_filter = ("active",)
    search_fields = ("name", "email")


@admin.register(ExternalLink)
class ExternalLinkAdmin(admin.ModelAdmin):
    """The record of links sent: read-only (revoke from the post's review page)."""

    list_display = (
        "created_at",
        "approver",
        "post",
        "version",
        "expires_at",
        "used_at",
        "revoked_at",
    )
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
