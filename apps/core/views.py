from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.accounts.access import require_capability

from . import health


@require_GET
@never_cache
def healthz(request):
    problems = {
        name: error
        for name, error in (
            ("database", health.check_database()),
            ("broker", health.check_broker()),
        )
        if error
    }
    body = {
        "status": "ok" if not problems else "unavailable",
        "database": "ok" if "database" not in problems else "unreachable",
        "broker": "ok" if "broker" not in problems else "unreachable",
    }
    if problems:
        body["errors"] = problems
    return JsonResponse(body, status=503 if problems else 200)


@require_capability("plan")
def home(request):
    from .dashboard import home_context

    return render(request, "core/home.html", home_context(request.user))


def accessibility(request):
    return render(request, "core/accessibility.html")


def placeholder(request, *args, **kwargs):
    """Temporary page for a section whose issue has not landed yet."""
    return render(request, "core/placeholder.html", status=200)
