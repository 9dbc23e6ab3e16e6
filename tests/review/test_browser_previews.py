"""Network previews in a real browser: the queue, the review page and the editor show, per
channel, the text exactly as it will be sent, the images with their alt text; axe finds nothing."""

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
TEXT = "Il ponte di via Roma riapre lunedì.\nSenso unico fino alle 18. #ViaRoma"
KINDS = [
    ChannelKind.FACEBOOK,
    ChannelKind.INSTAGRAM,
    ChannelKind.X,
    ChannelKind.LINKEDIN,
    ChannelKind.MASTODON,
    ChannelKind.TELEGRAM,
    ChannelKind.WEBSITE,
    ChannelKind.NEWSLETTER,
]


def _post(author, status):
    channels = [ChannelFactory(name=f"Comune · {kind.label}", kind=kind) for kind in KINDS]
    post = post_in(status, author=author, channels=channels, base_text=TEXT, link=LINK)
    post.variants.filter(channel__kind__in=["website", "newsletter", "linkedin"]).update(
        public_title="Il ponte di via Roma riapre"
    )
    PostImage.objects.create(post=post, image=png_upload(), alt_text="Il ponte visto dal fiume")
    return Post.objects.prefetch_related("variants__channel", "images").get(pk=post.pk)


def _check_previews(page, post):
    for preview in previews_for_post(post):
        box = page.locator(f"[data-preview-channel='{preview.channel.pk}'] .net-text").first
        assert box.inner_text() == preview.text, preview.kind
        assert not preview.is_folded


def test_the_queue_and_the_review_page_show_each_network_preview(
    page, editor_user, approver_user, force_login
):
    post = _post(editor_user, S.IN_REVIEW)
    force_login(approver_user)

    for url in ("/revisione/", f"/revisione/post/{post.pk}/"):
        page.goto(url)
        _check_previews(page, post)
        assert (
            page.locator("img[alt='Il ponte visto dal fiume']").count() == 1 + 7
        )  # the list, then Facebook, Instagram, X, LinkedIn, Mastodon, Telegram, website
        # The website and the newsletter; LinkedIn draws no link card for a post with images
        # (the link goes at the end of its text).
        assert page.get_by_text("Il ponte di via Roma riapre", exact=True).count() == 2
        assert_no_axe_violations(page)


def test_the_editor_preview_follows_the_text_as_it_is_typed(page, editor_user, force_login):
    post = _post(editor_user, S.DRAFT)
    x = post.variants.get(channel__kind="x").channel
    force_login(editor_user)
    page.goto(f"/calendario/{post.pk}/modifica/")
    assert_no_axe_violations(page)

    page.locator(f"#id_variant_{x.pk}").fill("Ponte riaperto <da lunedì>")

    preview = page.locator(f"#preview-{x.pk} .net-text")
    preview.get_by_text("Ponte riaperto <da lunedì>", exact=False).wait_for()
    assert preview.inner_text() == f"Ponte riaperto <da lunedì> {LINK}"
    assert page.locator(f"#checks-{x.pk}").inner_text().startswith("50 caratteri su 280")
    assert_no_axe_violations(page)
