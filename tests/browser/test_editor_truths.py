"""The post editor says only what is true as the writer works."""

import pytest

from tests.factories import ChannelFactory

pytestmark = pytest.mark.browser


def test_a_ticked_channel_no_longer_says_not_chosen(page, editor_user, force_login):
    channel = ChannelFactory(name="Telegram Comune")
    force_login(editor_user)
    page.goto("/calendario/post/nuovo/")
    heading = page.locator(f"#variant-title-{channel.pk}")
    assert not heading.is_visible()  # the section of an unticked channel is hidden
    box = page.get_by_label("Telegram Comune", exact=True)
    label = page.locator(f"label[for='{box.get_attribute('id')}']")  # Bootstrap Italia's box
    label.click()
    assert box.is_checked()
    heading.wait_for(state="visible")
    assert "non scelto" not in heading.inner_text()
    label.click()
    heading.wait_for(state="hidden")
