"""Error bodies as RFC 9457 problem details, in the language the client asked for."""

from django.http import JsonResponse
from django.utils.translation import gettext as _

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ApiProblem(Exception):
    """An answer other than success; ``errors`` maps field names to their messages."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.errors, self.headers = errors or {}, headers or {}


def problem_response(problem: ApiProblem) -> JsonResponse:
    body = {"type": "about:blank", "title": problem.title, "status": problem.status}
    if problem.detail:
        body["detail"] = problem.detail
    if problem.errors:
        body["errors"] = problem.errors
    response = JsonResponse(body, status=problem.status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in problem.headers.items():
        response[name] = value
    return response


def forbidden(detail: str = "") -> ApiProblem:
    return ApiProblem(403, _("Non permesso"), detail)


def not_found() -> ApiProblem:
    return ApiProblem(404, _("Non trovato"))


def invalid(errors: dict[str, list[str]], detail: str = "") -> ApiProblem:
    return ApiProblem(
        400, _("Dati non validi"), detail or _("Correggi i campi indicati."), errors=errors
    )


def conflict(detail: str) -> ApiProblem:
    return ApiProblem(409, _("Conflitto"), detail)
