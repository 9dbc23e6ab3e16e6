"""The staff header fits the screen for every role: desktop widths keep every menu item on one
line inside the page, phones get a burger that does not cover the title and a drawer that closes.
"""

import pytest

from apps.accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

ROLES = [Role.EDITOR, Role.APPROVER, Role.ADMIN]

# What the page measures: document width, and each top-level menu item's box and line count.
MEASURE = """() => {
  const items = Array.from(document.querySelectorAll('#main-nav .navbar-nav > .nav-item'));
  return {
    viewport: window.innerWidth,
    document: document.documentElement.scrollWidth,
    items: items.map(li => {
      const link = li.querySelector('.nav-link');
      const box = link.getBoundingClientRect();
      const label = link.querySelector('span');
      return {text: link.innerText.trim(), left: box.left, right: box.right, top: box.top,
              lines: label.getClientRects().length, visible: box.width > 0};
    }),
  };
}"""


SETTLED = "() => document.getAnimations().length === 0"


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not rendered"
    return box


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("width", [1024, 1366])
@pytest.mark.parametrize("role", ROLES, ids=[r.name.lower() for r in ROLES])
def test_desktop_header_fits_on_one_line(page, force_login, role_groups, role, width):
    force_login(UserFactory(username=f"persona-{role.name.lower()}", role=role))
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/")
    measured = page.evaluate(MEASURE)
    assert measured["document"] <= measured["viewport"], measured
    items = measured["items"]
    assert items and all(item["visible"] for item in items), items
    assert all(item["right"] <= measured["viewport"] for item in items), items
    assert len({round(item["top"]) for item in items}) == 1, f"the menu wraps: {items}"
    assert [item["text"] for item in items if item["lines"] != 1] == []


def test_administrators_reach_users_and_roles_through_the_office_menu(
    page, force_login, role_groups
):
    force_login(UserFactory(username="amministratrice", role=Role.ADMIN))
    page.set_viewport_size({"width": 1024, "height": 800})
    page.goto("/")
    users = page.get_by_role("link", name="Utenti e ruoli (amministrazione)")
    assert not users.is_visible()
    page.get_by_role("button", name="Ufficio").click()
    users.wait_for(state="visible")
    assert page.get_by_role("link", name="Registro delle attività").is_visible()
    users.click()
    page.wait_for_url("**/admin/")


@pytest.mark.parametrize("role", ROLES, ids=[r.name.lower() for r in ROLES])
def test_phone_header_has_a_burger_beside_the_title_and_a_drawer_that_closes(
    page, force_login, role_groups, role
):
    force_login(UserFactory(username=f"persona-{role.name.lower()}", role=role))
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/")
    measured = page.evaluate(MEASURE)
    assert measured["document"] <= measured["viewport"], measured
    toggler = page.get_by_role("button", name="Mostra o nascondi il menu")
    assert toggler.locator("svg use").get_attribute("href").endswith("#it-burger")
    assert not _overlap(_box(toggler), _box(page.locator(".it-brand-title")))
    toggler.click()
    close = page.get_by_role("button", name="Chiudi il menu")
    close.wait_for(state="visible")
    assert page.get_by_role("link", name="Home").is_visible()
    page.wait_for_function(SETTLED)  # the drawer ignores a click while it slides in
    close.click()
    page.get_by_role("link", name="Home").wait_for(state="hidden")
    assert toggler.get_attribute("aria-expanded") == "false"


def test_a_staff_page_loads_without_console_errors_or_a_favicon_404(page, force_login, role_groups):
    """The bundle's inline <style> elements are no longer refused by the CSP, and the browser
    finds the icon without asking for /favicon.ico."""
    errors, missing = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    force_login(UserFactory(username="redattrice", role=Role.EDITOR))
    page.goto("/")
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # the bundle inserts its styles after load
    assert errors == []
    assert missing == []
