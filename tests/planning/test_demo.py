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
