"""The demo office (``load_demo``: realistic Italian content, category colours from data) as
each role sees it: axe on the pages people open every day. Catches what data brings: category
colours without enough contrast, long titles, empty states."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from tests.browser.conftest import assert_no_axe_violations, heading_problems

pytestmark = pytest.mark.browser

DAILY_PAGES = {
    "redattore": [
        "/",
        "/calendario/?vista=mese",
        "/calendario/?vista=settimana",
        "/calendario/?vista=elenco",
        "/rubriche/",
        "/pubblicazione/",
    ],
    "approvatore": ["/", "/revisione/", "/crisi/", "/crisi/silenzio/", "/registro/"],
    None: ["/eventi/", "/eventi/abbonati/", "/newsletter/"],
}


@pytest.fixture
def demo_office(role_groups):
    """The demo builds on the reference rows (categories, the crisis state row) that the root
    conftest seeds again after a transactional test's flush."""
    call_command("load_demo", verbosity=0)


def test_the_demo_office_pages_are_accessible(page, demo_office, force_login):
    failures = []
    for username, urls in DAILY_PAGES.items():
        page.context.clear_cookies()
        if username:
            force_login(User.objects.get(username=username))
        for url in urls:
            response = page.goto(url)
            if response.status != 200:
                failures.append(f"{username} {url}: HTTP {response.status}")
                continue
            failures.extend(heading_problems(page))
            try:
                assert_no_axe_violations(page)
            except AssertionError as error:
                failures.append(f"{username}: {error}")
    assert failures == [], "\n".join(failures)
