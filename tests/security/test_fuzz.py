"""Hostile and random input never causes a 500, is never reflected unescaped, and is kept.

Every GET row of the permission matrix gets random query strings; every POST row gets its
fields filled with random and hostile text (as an administrator, who may reach everything).
New pages and forms are covered as soon as their rows are added to the matrix.
"""

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.permissions import make_cast

SCRIPT = "<script>alert(1)</script>"
HOSTILE = [
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "javascript:alert(1)",
    "../../../../etc/passwd",
    "\x00",
    "2026-02-30",
    "2026-13-01T25:61",
    "-1",
    "9" * 40,
    "1e309",
    "NaN",
    "%s%n%x",
    "{{ 7|add:7 }}{% debug %}",
    "\u202eevil",
    "😀" * 50,
    "a" * 10_000,
    "",
    " ",
]
# Query parameter names the list and calendar views read, or could be tempted to.
QUERY_KEYS = [
    "data",
    "giorno",
    "mese",
    "anno",
    "settimana",
    "vista",
    "view",
    "date",
    "start",
    "end",
    "da",
    "a",
    "categoria",
    "category",
    "canale",
    "channel",
    "stato",
    "status",
    "q",
    "page",
    "pagina",
    "tipo",
    "luogo",
    "next",
    "occorrenza",
    "dal",
    "al",
    "autore",
    "passati",
]
values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=200))
FUZZ_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Every page and form gets a few examples; the public events list and the calendar, which
# read the most query parameters, get many more.
WIDE = settings(FUZZ_SETTINGS, max_examples=5)
DEEP = settings(FUZZ_SETTINGS, max_examples=40)
DEEP_PAGES = {"events:public_list", "planning:calendar"}


def _matrix_rows(method: str):
    from tests.test_permission_matrix import ROWS

    seen, rows = set(), []
    for row in ROWS:
        key = (row.url_name, row.method, row.label if method == "POST" else "")
        if row.method == method and key not in seen and row.url_name != "logout":
            seen.add(key)
            rows.append(row)
    return rows


@pytest.fixture
def cast(db):
    return make_cast("f")


def _assert_safe(response, sent: list[str]) -> None:
    assert response.status_code < 500, response.content[:2000]
    if response.headers.get("Content-Type", "").startswith("text/html"):
        body = response.content.decode("utf-8", errors="replace")
        if any(SCRIPT in value for value in sent):
            assert SCRIPT not in body, "user input reflected without escaping"


@pytest.mark.parametrize("row", _matrix_rows("GET"), ids=lambda r: r.url_name + r.label)
def test_random_query_strings_never_break_a_page(client, cast, row):
    kwargs = row.make_kwargs(cast) if row.make_kwargs else {}
    url = reverse(row.url_name, kwargs=kwargs)
    client.force_login(cast["admin"])

    @(DEEP if row.url_name in DEEP_PAGES else WIDE)
    @given(query=st.dictionaries(st.sampled_from(QUERY_KEYS), values, max_size=4))
    def check(query):
        response = client.get(url + "?" + urlencode(query))
        _assert_safe(response, list(query.values()))

    check()


@pytest.mark.parametrize("row", _matrix_rows("POST"), ids=lambda r: r.url_name + r.label)
def test_random_form_data_never_causes_a_500(client, cast, row):
    kwargs = row.make_kwargs(cast) if row.make_kwargs else {}
    url = reverse(row.url_name, kwargs=kwargs)
    fields = sorted((row.data(cast, kwargs) if row.data else {}).keys())
    client.force_login(cast["admin"])

    @WIDE
    @given(data=st.fixed_dictionaries({name: values for name in fields}))
    def check(data):
        response = client.post(url, data)
        _assert_safe(response, list(data.values()))

    check()


printable = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_characters="\x7f"),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip() == s and s.strip())


@pytest.mark.django_db
@FUZZ_SETTINGS
@given(username=printable)
def test_a_failed_login_keeps_the_username_typed(client, username):
    from django.utils.html import escape

    response = client.post(reverse("login"), {"username": username, "password": "sbagliata"})
    assert response.status_code in (200, 429)
    if response.status_code == 200:
        assert f'value="{escape(username)}"' in response.content.decode()


@pytest.mark.django_db
@FUZZ_SETTINGS
@given(title=printable, text=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300)))
def test_the_post_editor_keeps_what_was_typed_when_it_refuses(admin_client_, title, text):
    from django.utils.html import escape

    # No channel and no category: always refused, so the form comes back.
    response = admin_client_.post(
        reverse("planning:post_create"),
        {"title": title, "base_text": text, "planned_date": "2026-02-30", "planned_time": "25:00"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'value="{escape(title)}"' in body
    assert SCRIPT not in body or SCRIPT not in text


@pytest.mark.django_db
@FUZZ_SETTINGS
@given(note=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300)))
def test_declaring_a_crisis_with_hostile_text_never_breaks(admin_client_, note):
    response = admin_client_.post(reverse("crisis:declare"), {"reason": note, "scope": "chosen"})
    assert response.status_code < 500
    if SCRIPT in note:
        assert SCRIPT not in response.content.decode()
