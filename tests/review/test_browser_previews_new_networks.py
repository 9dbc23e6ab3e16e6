"""The Bluesky and Threads previews in a real browser: the review page shows, per channel, the
text exactly as it will be sent (the link as a card without images), the images with their alt
text, the count as the network counts it (Bluesky: graphemes); axe finds nothing."""

import pytest

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus as S
from apps.planning.models import Post, PostImage
from apps.planning.previews import previews_for_post
from tests.browser import conftest as harness
from tests.factories import ChannelFactory
from tests.planning.conftest import png_upload
from tests.review.factories import post_in

pytestmark = pytest.mark.browser

browser = harness.browser
context = harness.context
page = harness.page
role_groups = harness.role_groups
editor_user = harness.editor_user
approver_user = harness.approver_user
force_login = harness.force_login
assert_no_axe_violations = harness.assert_no_axe_violations

LINK = "https://www.comune.esempio.it/ponte"
TEXT = "Il ponte di via Roma riapre lunedì 🎉👷🏽‍♀️\nSenso unico fino alle 18. #ViaRoma"


@pytest.mark.parametrize("with_image", [False, True], ids=["card", "image"])
def test_bluesky_and_threads_previews_show_what_goes_out(
    page, editor_user, approver_user, force_login, with_image
):
    channels = [
        ChannelFactory(name="Comune · Bluesky", kind=ChannelKind.BLUESKY),
        ChannelFactory(name="Comune · Threads", kind=ChannelKind.THREADS),
    ]
    post = post_in(S.IN_REVIEW, author=editor_user, channels=channels, base_text=TEXT, link=LINK)
    if with_image:
        PostImage.objects.create(post=post, image=png_upload(), alt_text="Il ponte dal fiume")
    post = Post.objects.prefetch_related("variants__channel", "images").get(pk=post.pk)
    force_login(approver_user)

    page.goto(f"/revisione/post/{post.pk}/")

    for preview in previews_for_post(post):
        box = page.locator(f"[data-preview-channel='{preview.channel.pk}']")
        assert box.locator(".net-text").first.inner_text() == preview.text, preview.kind
        assert f"{preview.length} caratteri su {preview.limit}" in box.inner_text()
        assert box.locator(".net-card").count() == (0 if with_image else 1)
        assert box.locator("img[alt='Il ponte dal fiume']").count() == (1 if with_image else 0)
    bluesky = next(p for p in previews_for_post(post) if p.kind == "bluesky")
    assert bluesky.length == len(bluesky.text) - 4  # 👷🏽‍♀️: five code points, one grapheme
    assert_no_axe_violations(page)
