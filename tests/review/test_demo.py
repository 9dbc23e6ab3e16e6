"""The review demo: posts in every workflow state, each with versions and audit entries.

Only the demos it builds on (users) are loaded, to keep the test fast; the whole ``load_demo``
command is exercised by the core area's tests.
"""

import pytest

from apps.accounts import demo as accounts_demo
from apps.audit.models import AuditEntry
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.review import demo as review_demo
from apps.review import routes
from apps.review.demo import PREFIX
from apps.review.models import ApprovalRoute
from apps.review.selectors import versions_of


@pytest.mark.django_db
def test_the_demo_has_review_posts_in_every_state_with_history():
    ctx: dict = {}
    accounts_demo.load(ctx)
    review_demo.load(ctx)
    entries = AuditEntry.objects.count()
    review_demo.load(ctx)  # idempotent

    posts = list(Post.objects.filter(title__startswith=PREFIX))
    assert {p.status for p in posts} == set(PostStatus)
    assert all(versions_of(p) for p in posts)
    assert all(AuditEntry.objects.filter(post_id=p.pk).exists() for p in posts)
    assert Post.objects.get(title=PREFIX + "TARI 2027: come si calcola").comments.count() == 1
    assert AuditEntry.objects.count() == entries


@pytest.mark.django_db
def test_the_demo_has_a_two_step_route_for_informativo_emergencies():
    ctx: dict = {}
    accounts_demo.load(ctx)
    review_demo.load(ctx)
    review_demo.load(ctx)  # idempotent

    route = ApprovalRoute.objects.get(name=review_demo.EMERGENCY_ROUTE)
    assert route.crisis_only
    assert [c.name for c in route.categories.all()] == ["Informativo"]
    assert [s.name for s in route.steps.order_by("position")] == ["Capo ufficio", "Portavoce"]
    post = Post.objects.get(title=PREFIX + "Allerta meteo: scuole chiuse domani")
    prog = routes.progress(post)
    assert (post.status, prog.number, prog.total) == (PostStatus.IN_REVIEW, 2, 2)
    assert prog.awaited_label == "uno tra: Paola Voce (Portavoce del Sindaco) (esterno)"
