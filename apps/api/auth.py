"""Who is calling: a bearer token (or nobody, on the public routes), and what it may do."""

from contextlib import contextmanager

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja.security import HttpBearer

from apps.accounts.client_ip import client_ip
from apps.accounts.roles import can
from apps.audit.services import acting_via
from apps.core import ratelimit

from . import tokens
from .enums import Scope
from .models import ApiToken
from .problems import ApiProblem, forbidden

ANONYMOUS = "anonymous"


def _limit(key: str, limit: int) -> None:
    wait = ratelimit.retry_after(
        f"api:{key}", limit=limit, window_seconds=settings.API_RATE_LIMIT_WINDOW_SECONDS
    )
    if wait:
        raise ApiProblem(
            429,
            _("Troppe richieste"),
            ngettext(
                "Limite di %(n)s richieste ogni %(s)s secondi: riprova tra %(wait)s secondo.",
                "Limite di %(n)s richieste ogni %(s)s secondi: riprova tra %(wait)s secondi.",
                wait,
            )
            % {"n": limit, "s": settings.API_RATE_LIMIT_WINDOW_SECONDS, "wait": wait},
            headers={"Retry-After": str(wait)},
        )


class TokenAuth(HttpBearer):
    """``Authorization: Bearer pap_…``: the token's person, limited by its scopes."""

    openapi_description = _("Token di accesso personale o di servizio (pap_…)")

    def authenticate(self, request, token: str):
        found = tokens.find_token(token)
        if found is None:
            raise ApiProblem(
                401,
                _("Token non valido"),
                _("Il token è sconosciuto, revocato o scaduto."),
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        _limit(f"token:{found.pk}", settings.API_RATE_LIMIT)
        tokens.mark_used(found)
        request.user = found.user
        request.api_token = found
        return found


def anonymous(request):
    """The public routes without a token; a request that sends one is judged by it."""
    if "HTTP_AUTHORIZATION" in request.META:
        return None
    _limit(f"ip:{client_ip(request) or 'unknown'}", settings.API_ANONYMOUS_RATE_LIMIT)
    return ANONYMOUS


token_auth = TokenAuth()
public_auth = [token_auth, anonymous]


def token_of(request) -> ApiToken | None:
    return getattr(request, "api_token", None)


def require(request, scope: Scope, capability: str) -> ApiToken:
    """The token must carry ``scope`` and its person hold ``capability`` now (roles are read
    at each request: a person who leaves the office takes their tokens' power with them)."""
    token = token_of(request)
    if token is None:
        raise ApiProblem(401, _("Serve un token"), headers={"WWW-Authenticate": "Bearer"})
    if scope not in token.scopes:
        raise forbidden(_("Il token non ha il permesso «%(scope)s».") % {"scope": scope.value})
    if not can(token.user, capability):
        raise forbidden(_("Il tuo ruolo non permette questa operazione."))
    return token


@contextmanager
def writing(token: ApiToken):
    """Every audit entry written inside says it came through this token."""
    # Not translated: the register keeps one wording whatever language the client asked for.
    with acting_via(f"API: {token.name} (token {token.prefix})"):
        yield
