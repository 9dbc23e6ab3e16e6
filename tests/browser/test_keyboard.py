"""Keyboard only: the skip link, the order of the tab stops, a visible focus ring."""

import pytest

from tests.browser.conftest import assert_no_axe_violations, login

pytestmark = pytest.mark.browser


def _focused(page) -> dict:
    return page.evaluate(
        "() => { const el = document.activeElement;"
        " return {tag: el.tagName, id: el.id, text: (el.innerText || el.value || '').trim(),"
        " href: el.getAttribute('href') || ''}; }"
    )


def test_the_first_tab_stop_is_the_skip_link_and_it_moves_focus_to_main(page, editor_user):
    login(page, editor_user)
    page.keyboard.press("Tab")
    first = _focused(page)
    assert (first["href"], first["text"]) == ("#main", "Vai al contenuto principale")
    assert page.locator(".skiplink a").is_visible()  # visually hidden until focused
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "main"
    page.keyboard.press("Tab")
    inside_main = page.evaluate(
        "() => document.querySelector('main').contains(document.activeElement)"
    )
    assert inside_main is True


def test_tabbing_reaches_every_link_of_the_main_navigation_in_order(page, admin_person):
    login(page, admin_person)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")
    nav_links = page.locator("nav[aria-label='Menu principale'] a.nav-link")
    expected = [link.inner_text().strip() for link in nav_links.all()]
    assert "Calendario" in expected and len(expected) >= 6
    reached = []
    for _stop in range(40):
        page.keyboard.press("Tab")
        in_nav = page.evaluate(
            "() => !!document.activeElement.closest(\"nav[aria-label='Menu principale']\")"
        )
        if in_nav and page.evaluate("() => document.activeElement.matches('a.nav-link')"):
            reached.append(_focused(page)["text"])
        if reached == expected:
            break
    assert reached == expected


def test_focus_is_visible_on_every_tab_stop(page, editor_user):
    login(page, editor_user)
    page.goto("/calendario/post/nuovo/")
    invisible = []
    for _stop in range(30):
        page.keyboard.press("Tab")
        style = page.evaluate(
            "() => { const el = document.activeElement; const s = getComputedStyle(el);"
            " return {focused: el.matches(':focus'),"
            " what: el.tagName + '#' + (el.id || el.name || el.textContent.trim().slice(0, 30)),"
            " outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"
        )
        if not style["focused"]:
            continue  # between the inner segments of a date/time input: no element focused yet
        if style["outline"] == "none" or style["width"] < 2:
            invisible.append(style["what"])
    assert invisible == []


def test_the_login_form_works_with_the_keyboard_alone(page, editor_user):
    page.goto("/accounts/login/")
    assert _focused(page)["id"] == "id_username"  # autofocus
    page.keyboard.type(editor_user.username)
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == "id_password"
    page.keyboard.type("pw")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert page.get_by_role("heading", level=1).inner_text() == "Buongiorno, Giulia"


def _tab_until(page, predicate_js: str, limit: int = 150) -> bool:
    for _stop in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate_js):
            return True
    return False


def test_the_calendar_reschedules_a_post_without_a_mouse(page, editor_user):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import PostFactory

    when = timezone.localtime() + timedelta(days=1)
    while when.month == 12 or when.day >= 28:  # one step up (day or month) stays in the future
        when += timedelta(days=7)
    when = when.replace(hour=10, minute=0, second=0, microsecond=0)
    post = PostFactory(title="Sportello TARI aperto", author=editor_user, planned_at=when)
    login(page, editor_user)
    page.goto(f"/calendario/?vista=settimana&data={when.date().isoformat()}")

    assert _tab_until(
        page,
        "() => document.activeElement.tagName === 'SUMMARY'"
        " && document.activeElement.textContent.includes('Sportello TARI aperto')",
    ), "the «Sposta» control of the post is not reachable with Tab"
    page.keyboard.press("Enter")  # opens the move form
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "data"
    original = page.evaluate("() => document.activeElement.value")
    page.keyboard.press("ArrowUp")  # the first date segment moves one step later
    chosen = page.evaluate("() => document.activeElement.value")
    assert chosen > original
    assert _tab_until(
        page,
        "() => document.activeElement.tagName === 'BUTTON'"
        " && document.activeElement.textContent.trim().startsWith('Sposta')",
        limit=10,
    )
    page.keyboard.press("Enter")
    page.get_by_text("spostato a").first.wait_for()
    post.refresh_from_db()
    moved = timezone.localtime(post.planned_at)
    assert (moved.date().isoformat(), moved.time()) == (chosen, when.time())


def test_every_field_of_the_post_editor_is_reachable_with_tab(page, editor_user):
    from tests.factories import ChannelFactory

    ChannelFactory(name="Telegram del Comune", kind="telegram")
    login(page, editor_user)
    page.goto("/calendario/post/nuovo/")
    fields = page.evaluate(
        "() => Array.from(document.querySelectorAll('form.post-form input, form.post-form"
        " select, form.post-form textarea, form.post-form button'))"
        ".filter(el => el.type !== 'hidden' && !el.disabled && el.offsetParent !== null)"
        ".map(el => el.id || el.name || el.textContent.trim())"
    )
    assert len(fields) >= 8
    reached = set()
    for _stop in range(len(fields) * 3 + 40):
        page.keyboard.press("Tab")
        reached.add(
            page.evaluate(
                "() => { const el = document.activeElement;"
                " return el.id || el.name || el.textContent.trim(); }"
            )
        )
    assert [f for f in fields if f not in reached] == []


def test_the_post_editor_submits_with_enter_and_keeps_what_was_typed(page, editor_user):
    login(page, editor_user)
    page.goto("/calendario/post/nuovo/")
    page.get_by_label("Titolo interno").focus()
    page.keyboard.type("Avviso <b>importante</b> & chiusura")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    alert = page.locator("#form-errors")
    alert.wait_for()  # the answer to the POST has arrived
    assert alert.is_visible()
    assert page.get_by_label("Titolo interno").input_value() == (
        "Avviso <b>importante</b> & chiusura"
    )
    invalid = page.locator("[aria-invalid=true]")
    assert invalid.count() >= 1


def test_the_language_switcher_changes_language_only_when_confirmed(page, editor_user):
    login(page, editor_user)
    select = page.get_by_label("Lingua", exact=True)
    select.focus()
    page.keyboard.press("ArrowDown")  # choosing must not reload the page (WCAG 3.2.2)
    assert page.locator("html").get_attribute("lang") == "it"
    assert select.input_value() == "en"
    with page.expect_navigation():
        page.get_by_role("button", name="Cambia").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert_no_axe_violations(page)


def test_on_a_phone_the_menu_opens_with_the_keyboard_and_stays_accessible(page, editor_user):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, editor_user)
    calendar_link = page.locator("#main-nav").get_by_role("link", name="Calendario")
    assert not calendar_link.is_visible()
    assert _tab_until(
        page, "() => document.activeElement.classList.contains('custom-navbar-toggler')", limit=30
    ), "the menu button is not reachable with Tab"
    page.keyboard.press("Enter")
    calendar_link.wait_for(state="visible")
    assert page.locator(".custom-navbar-toggler").get_attribute("aria-expanded") == "true"
    assert_no_axe_violations(page)
