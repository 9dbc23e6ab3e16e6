"""axe-core on every page a role reaches by following links from the home page.

A bounded crawl per role: GET only, same origin, from "/" breadth first; it skips logout,
feeds, downloads and Django's admin (not this project's pages), visits at most
``MAX_PER_PATH`` query variants of one path (the calendar's "next week" never ends) and at
most ``MAX_PAGES`` pages. The pages behind forms (errors after a failed save) are checked in
test_error_summary.py and test_staff_pages.py. A hand-kept list of pages misses what nobody
thought to add; this finds what a person can actually click.
"""

import re
from collections import Counter, deque
from datetime import timedelta
from urllib.parse import urldefrag, urlsplit

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.services import record
from apps.crisis.models import Crisis
from apps.planning.enums import PostStatus
from tests.browser.conftest import axe_violations, format_violations
from tests.factories import CategoryFactory, ChannelFactory, EventFactory, PostFactory, UserFactory

pytestmark = pytest.mark.browser

MAX_PAGES = 45
MAX_PER_PATH = 2
SKIP = re.compile(
    r"/accounts/logout|\.ics$|\.atom$|\.rss$|\.xml$|\.csv$|\.xlsx$|/pdf/$|/originale/|/esporta|/export|/admin/|/static/"
    r"|/media/|/i18n/"
    # The API: JSON, and Swagger UI's page, which renders after load (tests/api/test_browser.py
    # waits for it and runs axe there).
    r"|/api/v1/"
)
ROLES = [Role.EDITOR, Role.APPROVER, Role.ADMIN]
# A phone, where wide tables scroll sideways (the keyboard must still reach them), and a
# laptop.
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 768}}


@pytest.fixture
def office(role_groups):
    """A little of everything, so that lists, details and histories have rows to show."""
    from tests.crisis.factories import BlackoutFactory
    from tests.slots.factories import SlotFactory

    author = UserFactory(username="autrice", first_name="Giulia", role=Role.EDITOR)
    category = CategoryFactory(name="Servizi", slug="servizi")
    telegram = ChannelFactory(name="Telegram Comune")
    now = timezone.now()
    post = PostFactory(
        title="Chiusura anagrafe per inventario annuale degli archivi",
        category=category,
        author=author,
        channels=[telegram],
        status=PostStatus.IN_REVIEW,
        planned_at=now + timedelta(days=2),
    )
    record(
        action="post.updated",
        obj=post,
        summary="Orario e testi cambiati",
        before={"planned_at": (now + timedelta(days=1)).isoformat(), "status": "draft"},
        after={"planned_at": (now + timedelta(days=2)).isoformat(), "status": "in_review"},
    )
    PostFactory(title="Mercato", author=author, planned_at=now + timedelta(hours=5))
    SlotFactory(name="Eventi del weekend", category=category, owner=author)
    EventFactory(title="Concerto in piazza")
    BlackoutFactory(
        reason="Lutto cittadino",
        starts_at=now + timedelta(days=20),
        ends_at=now + timedelta(days=21),
    )
    chief = UserFactory(username="capo", role=Role.APPROVER)
    Crisis.objects.create(
        reason="Esercitazione di protezione civile",
        declared_by=chief,
        declared_at=now - timedelta(hours=1),
        ended_by=chief,
        ended_at=now - timedelta(minutes=30),
    )
    return post


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]:not([download])", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        url = urldefrag(href).url
        if url.startswith(origin) and not SKIP.search(urlsplit(url).path):
            found.append(url[len(origin) :] or "/")
    return found


@pytest.mark.parametrize("screen", list(VIEWPORTS))
@pytest.mark.parametrize("role", ROLES, ids=[r.name.lower() for r in ROLES])
def test_every_page_a_role_reaches_by_links_passes_axe(
    page, force_login, live_server, office, role, screen
):
    force_login(UserFactory(username=f"persona-{role.name.lower()}", role=role))
    page.set_viewport_size(VIEWPORTS[screen])
    origin = live_server.url
    queue, queued, per_path = deque(["/"]), {"/"}, Counter()
    visited, broken, failures = [], [], []
    while queue and len(visited) < MAX_PAGES:
        url = queue.popleft()
        response = page.goto(url)
        visited.append(url)
        if response is None or response.status >= 400:
            broken.append(f"{url}: {response.status if response else 'no response'}")
            continue
        violations = axe_violations(page)
        if violations:
            failures.append(f"{url}\n{format_violations(violations)}")
        for link in _links(page, origin):
            path = urlsplit(link).path
            if link in queued or per_path[path] >= MAX_PER_PATH:
                continue
            per_path[path] += 1
            queued.add(link)
            queue.append(link)
    assert len(visited) >= 8, visited  # the crawl really went somewhere
    assert broken == [], broken
    assert failures == [], "\n\n".join(failures) + f"\n\nvisited: {visited}"
