"""apps/core/http.py: where a form returns to, and page or htmx fragment with its Vary."""

import pytest
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from apps.core.http import render_page_or_partial, safe_next

rf = RequestFactory()


def _htmx(request):
    request.htmx = HtmxDetails(request)
    return request


@pytest.mark.parametrize(
    "target", ["/calendario/?mese=2026-12", "http://testserver/revisione/", "/"]
)
def test_a_next_on_this_site_is_followed(target):
    assert safe_next(rf.post("/x/", {"next": target}), "/home/") == target


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "http:///evil", ""],
)
def test_a_next_elsewhere_falls_back_to_the_default(target):
    assert safe_next(rf.post("/x/", {"next": target}), "/home/") == "/home/"


def test_a_posted_next_wins_over_the_query_and_the_query_is_read_too():
    assert safe_next(rf.post("/x/?next=/b/", {"next": "/a/"}), "/d/") == "/a/"
    assert safe_next(rf.get("/x/", {"next": "/b/"}), "/d/") == "/b/"


def test_over_https_a_plain_http_next_to_our_host_is_refused():
    request = rf.get("/x/", {"next": "http://testserver/a/"}, secure=True)
    assert safe_next(request, "/d/") == "/d/"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, "page"),
        ({"HX-Request": "true"}, "fragment"),
        ({"HX-Request": "true", "HX-Boosted": "true"}, "page"),
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, "page"),
    ],
)
def test_an_htmx_swap_gets_the_fragment_and_everything_else_the_page(
    headers, expected, tmp_path, settings
):
    (tmp_path / "page.html").write_text(
        "{% load partials %}page:{% partialdef body inline %}fragment{% endpartialdef %}"
    )
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "template_partials.loader.Loader",
                        [("django.template.loaders.filesystem.Loader", [tmp_path])],
                    )
                ]
            },
        }
    ]
    request = _htmx(rf.get("/x/", headers=headers))
    response = render_page_or_partial(request, "page.html", "page.html#body", {})
    body = response.content.decode()
    assert body == ("page:fragment" if expected == "page" else "fragment")
    assert response["Vary"] == "HX-Request, HX-Boosted, HX-History-Restore-Request"
