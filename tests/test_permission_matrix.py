"""Every URL of the app, for every role: allowed, login redirect, or 403."""

import importlib
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from tests.permissions import FORBIDDEN, LOGIN, NOT_FOUND, OK, ROLES, Access, make_cast

# URL names that are not app pages (framework, assets) and need no row.
# The API's routes ("api:") have their own matrix, by token: tests/api/test_api_matrix.py.
EXEMPT_PREFIXES = ("admin:", "api:")
EXEMPT = {"set_language"}


def _all_rows() -> list[Access]:
    rows = []
    for module_info in pkgutil.iter_modules(tests.__path__):
        if not module_info.ispkg:
            continue
        try:
            module = importlib.import_module(f"tests.{module_info.name}.permissions")
        except ModuleNotFoundError:
            continue
        rows.extend(module.ROWS)
    return rows


def _named_urls(resolver=None, namespace="") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _named_urls(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


ROWS = _all_rows()


def test_every_named_url_has_a_row_in_the_matrix():
    covered = {row.url_name for row in ROWS}
    missing = sorted(
        name
        for name in _named_urls()
        if name not in covered and name not in EXEMPT and not name.startswith(EXEMPT_PREFIXES)
    )
    assert missing == [], f"Add these URLs to a tests/<app>/permissions.py: {missing}"


@pytest.fixture
def cast(db):
    return make_cast("m")


def _outcome(response) -> str:
    if response.status_code in (301, 302, 303):
        return LOGIN if "/accounts/login/" in response["Location"] else OK
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 404:
        return NOT_FOUND
    if response.status_code < 300:
        return OK
    return str(response.status_code)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method} {r.url_name}{r.label}")
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, cast, row: Access, role: str):
    kwargs = row.make_kwargs(cast) if row.make_kwargs else {}
    url = reverse(row.url_name, kwargs=kwargs) + row.query
    if cast[role] is not None:
        client.force_login(cast[role])
    if row.method == "GET":
        response = client.get(url)
    else:
        data = row.data(cast, kwargs) if row.data else {}
        response = client.generic(
            row.method,
            url,
            data=_encode(data),
            content_type="application/x-www-form-urlencoded",
        )
    assert _outcome(response) == row.expected(role), (
        f"{role} {row.method} {url}: got {response.status_code}"
    )


def _encode(data: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(data, doseq=True)
