from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.accounts.access import require_capability
from apps.publishing import health

from .dashboard import home_context


@require_GET
@never_cache
def healthz(request):
    """200 only when the database and the broker answer **and** publishing moves: beat ticks,
    a worker of each kind is up, nothing allowed to go out is overdue (health.py)."""
    problems = {
        name: error
        for name, error in (
            ("database", health.check_database()),
            ("broker", health.check_broker()),
        )
        if error
    }
    body = {
        "status": "ok",
        "database": "ok" if "database" not in problems else "unreachable",
        "broker": "ok" if "broker" not in problems else "unreachable",
    }
    publishing = {"beat": "stale", "workers": "missing", "deliveries": "overdue"}
    if "database" in problems:  # heartbeats and deliveries live in the database
        body.update(dict.fromkeys(publishing, "unknown"))
    else:
        try:
            report = health.watch()
        except Exception as exc:  # never a 500 from the health check itself
            problems["publishing"] = f"{type(exc).__name__}: {exc}"
            body.update(dict.fromkeys(publishing, "unknown"))
        else:
            for key, bad in publishing.items():
                problem = report.problem(key)
                body[key] = bad if problem else "ok"
                if problem:
                    problems[key] = problem.detail
    if problems:
        body["status"] = "unavailable"
        body["errors"] = problems
    return JsonResponse(body, status=503 if problems else 200)


@require_capability("plan")
def home(request):
    return render(request, "home/home.html", home_context(request.user))


def accessibility(request):
    return render(request, "home/accessibility.html")
