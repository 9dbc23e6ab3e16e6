"""The token pages: each person's own tokens, and the administrators' service tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from apps.accounts.access import require_capability
from apps.accounts.security import require_recent_auth

from . import tokens
from .enums import TokenKind
from .forms import TokenForm
from .models import ApiToken


def _page(request, *, kind, form, created=None, raw="", status=200):
    if kind == TokenKind.SERVICE:
        rows = ApiToken.objects.filter(kind=TokenKind.SERVICE)
        template = "api/service_tokens.html"
    else:
        rows = ApiToken.objects.filter(kind=TokenKind.PERSONAL, user=request.user)
        template = "api/tokens.html"
    context = {
        "tokens": rows.select_related("created_by", "revoked_by"),
        "form": form,
        "created": created,
        "raw": raw,
    }
    return render(request, template, context, status=status)


def _create(request, kind):
    form = TokenForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if kind == TokenKind.SERVICE:
                token, raw = tokens.create_service_token(
                    by=request.user,
                    name=data["name"],
                    scopes=data["scopes"],
                    expires_at=form.expires_at(),
                )
            else:
                token, raw = tokens.create_personal_token(
                    user=request.user,
                    name=data["name"],
                    scopes=data["scopes"],
                    expires_at=form.expires_at(),
                )
        except tokens.TokenError as exc:
            form.add_error(None, str(exc))
        else:
            # Shown once, on this answer only: the page is never cached (no-store for staff).
            return _page(request, kind=kind, form=TokenForm(), created=token, raw=raw)
    return _page(request, kind=kind, form=form, status=400)


@require_safe
@login_required
def personal(request):
    return _page(request, kind=TokenKind.PERSONAL, form=TokenForm())


@require_POST
@login_required
@require_recent_auth
def personal_create(request):
    return _create(request, TokenKind.PERSONAL)


@require_safe
@require_capability("configure")
def service(request):
    return _page(request, kind=TokenKind.SERVICE, form=TokenForm())


@require_POST
@require_capability("configure")
@require_recent_auth
def service_create(request):
    return _create(request, TokenKind.SERVICE)


@require_POST
@login_required
def revoke(request, pk):
    token = ApiToken.objects.filter(pk=pk).first()
    if token is None:
        raise Http404
    if not tokens.may_revoke(request.user, token):
        raise PermissionDenied
    try:
        tokens.revoke_token(token=token, by=request.user)
    except tokens.TokenError as exc:
        messages.info(request, str(exc))
    else:
        messages.success(request, _("Token «%(name)s» revocato.") % {"name": token.name})
    if token.kind == TokenKind.SERVICE:
        return redirect("api_tokens:service")
    return redirect("api_tokens:personal")
