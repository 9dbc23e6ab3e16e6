import pytest
from django.core.management import call_command

from apps.planning.checks import has_blocking_findings
from apps.planning.demo import DEMO_POSTS
from apps.planning.enums import PostStatus
from apps.planning.models import Post

pytestmark = pytest.mark.django_db


def test_the_demo_plans_three_weeks_in_three_categories_with_clean_variants():
    call_command("load_demo")
    posts = Post.objects.filter(title__in=[p[2] for p in DEMO_POSTS])
    assert posts.count() == len(DEMO_POSTS) == 15
    assert set(posts.values_list("category__slug", flat=True)) == {
        "informativo",
        "come-fare",
        "territorio",
    }
    assert {p.status for p in posts} == {PostStatus.DRAFT, PostStatus.IN_REVIEW}
    assert [p.title for p in posts if has_blocking_findings(p)] == []
    call_command("load_demo")
    assert Post.objects.filter(title__in=[p[2] for p in DEMO_POSTS]).count() == 15


def test_the_demo_has_two_campaigns_with_their_posts_and_some_tags():
    from apps.planning.models import Campaign, PostTag

    call_command("load_demo")
    call_command("load_demo")

    campaigns = {c.name: c for c in Campaign.objects.all()}
    assert set(campaigns) == {"TARI 2027", "Sagra d'autunno"}
    assert sorted(campaigns["TARI 2027"].posts.values_list("title", flat=True)) == [
        "Come si calcola la TARI",
        "Scadenza acconto IMU",
    ]
    assert campaigns["Sagra d'autunno"].posts.count() == 2
    assert set(PostTag.objects.values_list("name", flat=True)) == {
        "tributi",
        "scadenze",
        "scuola",
        "famiglie",
        "eventi",
    }
    tari = Post.objects.get(title="Come si calcola la TARI")
    assert sorted(t.name for t in tari.tags.all()) == ["scadenze", "tributi"]
