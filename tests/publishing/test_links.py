"""Links in posts: counted through the Comune's redirect and UTM-tagged only when the
administrator turned it on; the redirect stores a number per link per day and nothing else."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.publishing.links import count_click, tracked_url, with_utm
from apps.publishing.models import Delivery, LinkClickDay, ShortLink
from apps.publishing.services import build_publish_request, schedule_deliveries
from tests.factories import ChannelFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db
LINK = "https://www.comune.esempio.it/notizie/isola-ecologica"


def _delivery(kind=ChannelKind.MASTODON, *, text=None):
    channel = ChannelFactory(name=f"Canale {kind}", kind=kind)
    post = PostFactory(
        channels=[channel],
        status=PostStatus.APPROVED,
        planned_at=timezone.now() - timedelta(minutes=1),
        link=LINK,
        base_text=text or "Nuovi orari dell'isola ecologica.",
    )
    schedule_deliveries(post=post)
    return Delivery.objects.get(variant__post=post)


def test_links_go_out_untouched_unless_the_administrator_turned_counting_on(settings):
    settings.LINK_TRACKING = settings.LINK_UTM = False

    request = build_publish_request(_delivery())

    assert request.link == LINK
    assert ShortLink.objects.count() == 0


def test_a_counted_link_is_sent_as_the_comunes_redirect_in_the_link_and_in_the_text(settings):
    settings.LINK_TRACKING = True
    settings.LINK_UTM = False
    delivery = _delivery(text=f"Nuovi orari: {LINK}")

    request = build_publish_request(delivery)

    [short] = ShortLink.objects.all()
    assert short.url == LINK
    assert request.link == settings.SITE_URL + f"/l/{short.code}"
    assert request.text == f"Nuovi orari: {request.link}"
    # A retry of the same delivery sends the same short link.
    assert build_publish_request(delivery).link == request.link
    assert ShortLink.objects.count() == 1


def test_utm_parameters_name_the_network_and_the_post(settings):
    settings.LINK_TRACKING = False
    settings.LINK_UTM = True
    delivery = _delivery(ChannelKind.NEWSLETTER)

    link = build_publish_request(delivery).link

    post_id = delivery.variant.post_id
    assert link == f"{LINK}?utm_source=newsletter&utm_medium=email&utm_campaign=post-{post_id}"


def test_utm_parameters_already_in_the_link_are_kept():
    url = with_utm(
        "https://comune.it/a?utm_source=manifesto&x=1", source="x", medium="social", campaign="p"
    )

    assert url == "https://comune.it/a?utm_source=manifesto&x=1&utm_medium=social&utm_campaign=p"


def test_only_web_links_are_touched(settings):
    settings.LINK_TRACKING = settings.LINK_UTM = True
    channel = ChannelFactory(kind=ChannelKind.X)

    assert tracked_url("mailto:urp@comune.it", post=None, channel=channel) == "mailto:urp@comune.it"


def test_the_redirect_counts_one_click_per_visit_and_stores_nothing_about_the_visitor(client):
    link = ShortLink.objects.create(code="abc12345", url=LINK)

    for _ in range(3):
        response = client.get(
            reverse("follow_link", args=["abc12345"]),
            HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
            REMOTE_ADDR="203.0.113.7",
        )

    assert response.status_code == 302
    assert response["Location"] == LINK
    assert response.cookies == {}
    assert response["Cache-Control"] == "no-store"
    [day] = LinkClickDay.objects.all()
    assert (day.link, day.day, day.clicks) == (link, timezone.localdate(), 3)
    stored = {f.name for f in LinkClickDay._meta.get_fields()}
    assert stored == {"id", "link", "day", "clicks"}


def test_link_previews_fetched_by_the_networks_are_not_clicks(client):
    link = ShortLink.objects.create(code="prev1234", url=LINK)

    client.get(reverse("follow_link", args=["prev1234"]), HTTP_USER_AGENT="facebookexternalhit/1.1")
    client.head(reverse("follow_link", args=["prev1234"]))

    assert not count_click(link, user_agent="Mastodon/4.3 (http.rb; +https://social.example/)")
    assert LinkClickDay.objects.count() == 0


def test_an_unknown_code_is_not_found(client):
    assert client.get(reverse("follow_link", args=["nessuno"])).status_code == 404


def test_the_approver_sees_that_links_will_be_counted(client, settings):
    settings.LINK_TRACKING = True
    settings.LINK_UTM = True
    post = PostFactory(link=LINK, status=PostStatus.IN_REVIEW)
    client.force_login(UserFactory(username="approvatrice", role=Role.APPROVER))

    html = client.get(reverse("review:post", args=[post.pk])).content.decode()

    assert "data-link-tracking" in html
    assert "data-link-utm" in html


def test_the_approver_is_told_nothing_when_links_go_out_as_written(client, settings):
    settings.LINK_TRACKING = settings.LINK_UTM = False
    post = PostFactory(link=LINK, status=PostStatus.IN_REVIEW)
    client.force_login(UserFactory(username="approvatrice", role=Role.APPROVER))

    html = client.get(reverse("review:post", args=[post.pk])).content.decode()

    assert "data-link-tracking" not in html
