import io

import pytest
from django.core.management import call_command

from apps.audit.models import AuditEntry
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.review.demo import PREFIX
from apps.review.selectors import versions_of


@pytest.mark.django_db
def test_the_demo_has_review_posts_in_every_state_with_history():
    call_command("load_demo", stdout=io.StringIO())

    posts = list(Post.objects.filter(title__startswith=PREFIX))
    assert {p.status for p in posts} == set(PostStatus)
    assert all(versions_of(p) for p in posts)
    assert all(AuditEntry.objects.filter(post_id=p.pk).exists() for p in posts)
    assert Post.objects.get(title=PREFIX + "TARI 2027: come si calcola").comments.count() == 1
