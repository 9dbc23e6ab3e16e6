"""The Django admin: administrators only, logged in through the app's own login page.

The app's login page is the one behind django-axes (and the MFA step), so the admin has no
password form of its own for anyone to try passwords on.
"""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from .roles import Role, has_role


def has_permission(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and has_role(user, Role.ADMIN)


def login(request, extra_context=None):
    if has_permission(request):
        return redirect("admin:index")
    if request.user.is_authenticated:
        # Logged in but not an administrator: no second password form, just a refusal.
        raise PermissionDenied
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


def configure(site: admin.AdminSite = admin.site) -> None:
    site.has_permission = has_permission
    site.login = login
