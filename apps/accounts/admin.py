"""Changing a user (their roles are their groups) asks for a recent password or MFA code."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.utils.decorators import method_decorator

from .security import require_recent_auth

recent_auth = method_decorator(require_recent_auth)


class RoleChangesUserAdmin(UserAdmin):
    @recent_auth
    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, extra_context)

    @recent_auth
    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, extra_context)

    @recent_auth
    def delete_view(self, request, object_id, extra_context=None):
        return super().delete_view(request, object_id, extra_context)

    @recent_auth
    def user_change_password(self, request, id, form_url=""):
        return super().user_change_password(request, id, form_url)


class RoleChangesGroupAdmin(GroupAdmin):
    @recent_auth
    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, extra_context)


for model, model_admin in ((User, RoleChangesUserAdmin), (Group, RoleChangesGroupAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
