"""After a failed save the error summary has the focus and each error leads to its field."""

import pytest

from tests.browser.conftest import assert_no_axe_violations

pytestmark = pytest.mark.browser

ACTIVE_ID = "() => document.activeElement && document.activeElement.id"


@pytest.mark.parametrize("url", ["/calendario/post/nuovo/", "/rubriche/nuova/"])
def test_a_failed_save_focuses_the_summary_whose_links_reach_each_field(
    page, editor_user, force_login, url
):
    force_login(editor_user)
    page.goto(url)
    with page.expect_navigation():
        page.locator("form[method=post] [type=submit]").last.click()
    page.wait_for_function("() => document.activeElement.id === 'form-errors'")
    summary = page.locator("#form-errors")
    links = summary.get_by_role("link")
    assert links.count() >= 1
    assert page.evaluate("() => document.getElementById('form-errors').getBoundingClientRect().top")
    targets = [link.get_attribute("href") for link in links.all()]
    assert all(page.locator(target).count() == 1 for target in targets), targets
    links.first.click()
    assert "#" + page.evaluate(ACTIVE_ID) == targets[0]
    assert page.locator(targets[0]).get_attribute("aria-invalid") == "true"
    assert_no_axe_violations(page)
