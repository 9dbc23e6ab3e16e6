# ruff: noqa: F811 - the browser fixtures are imported by name, then requested as arguments
"""The review page's link cards in Chromium: title, description and site drawn, the page's image
only a placeholder (nothing requested from the third-party site), axe-core clean."""

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.publishing import linkcards
from apps.publishing.models import LinkCard
from tests.browser.conftest import (  # noqa: F401 - fixtures
    approver_user,
    assert_no_axe_violations,
    browser,
    context,
    editor_user,
    force_login,
    page,
    role_groups,
)
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.browser

LINK = "https://www.comune.esempio.it/notizie/ponte"


def test_the_review_page_draws_link_cards_without_third_party_requests(
    page, editor_user, approver_user, force_login
):
    LinkCard.objects.create(
        url=LINK,
        url_hash=linkcards.url_hash(LINK),
        fetched_at=timezone.now(),
        title="Il ponte riapre lunedì",
        description="Dopo i lavori di consolidamento, il ponte sul fiume torna a due corsie.",
        site_name="Comune di Esempio",
        image_url="https://cdn.terzi.example/ponte.jpg",
    )
    channels = [ChannelFactory(kind=k) for k in (ChannelKind.FACEBOOK, ChannelKind.MASTODON)]
    post = PostFactory(
        author=editor_user, link=LINK, channels=channels, status=PostStatus.IN_REVIEW
    )
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    force_login(approver_user)

    page.goto(f"/revisione/post/{post.pk}/")

    cards = page.locator(".net-card")
    assert cards.count() == 2
    assert "Il ponte riapre lunedì" in cards.first.inner_text()
    assert "Immagine della pagina del link" in cards.first.inner_text()
    assert not [url for url in requested if "terzi.example" in url]
    assert_no_axe_violations(page)
