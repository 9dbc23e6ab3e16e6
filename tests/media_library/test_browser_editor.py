"""The post editor's library picker in a real browser: axe-core on the editor, the post page
and the review page with library assets; choosing by keyboard; the search by htmx."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.media_library import services
from apps.media_library.models import PostAsset
from apps.planning.enums import PostStatus
from tests.browser import conftest as harness
from tests.factories import ChannelFactory, PostFactory
from tests.media_library.conftest import jpeg_bytes, upload

pytestmark = pytest.mark.browser

browser = harness.browser
context = harness.context
page = harness.page
role_groups = harness.role_groups
editor_user = harness.editor_user
approver_user = harness.approver_user
login = harness.login
assert_no_axe_violations = harness.assert_no_axe_violations
heading_problems = harness.heading_problems


@pytest.fixture
def office(editor_user):
    channel = ChannelFactory(name="Mastodon Comune")
    draft = PostFactory(
        title="Sagra d'autunno",
        author=editor_user,
        channels=[channel],
        planned_at=timezone.now() + timedelta(days=6),
    )
    in_review = PostFactory(
        title="Mercato in piazza",
        author=editor_user,
        channels=[channel],
        status=PostStatus.IN_REVIEW,
        planned_at=timezone.now() + timedelta(days=6),
    )
    piazza = services.add_asset(
        upload=upload(jpeg_bytes(size=(400, 300), colour=(200, 40, 40))),
        by=editor_user,
        alt_text="Bancarelle della sagra in piazza",
        tag_names=["sagra"],
    ).asset
    parco = services.add_asset(
        upload=upload(jpeg_bytes(size=(300, 400), colour=(40, 40, 200))),
        by=editor_user,
        alt_text="Il parco comunale d'autunno",
    ).asset
    services.add_asset(
        upload=upload(jpeg_bytes(size=(300, 300), colour=(40, 200, 40))),
        by=editor_user,
        alt_text="La facciata del municipio",
    )
    for post in (draft, in_review):
        services.set_post_assets(post=post, asset_ids=[piazza.pk], by=editor_user)
    piazza.rights_expire_on = timezone.localdate() + timedelta(days=2)  # before the posts
    piazza.save(update_fields=["rights_expire_on"])
    return {"draft": draft, "in_review": in_review, "piazza": piazza, "parco": parco}


def test_the_editor_post_and_review_pages_with_library_assets_pass_axe(
    page, editor_user, approver_user, office
):
    failures = []

    def check(urls):
        for url in urls:
            response = page.goto(url)
            if response.status >= 400:
                failures.append(f"{url}: HTTP {response.status}")
                continue
            failures.extend(f"{url}: {problem}" for problem in heading_problems(page))
            try:
                assert_no_axe_violations(page)
            except AssertionError as error:
                failures.append(f"{url}: {error}")

    login(page, editor_user)
    check(
        [
            "/calendario/post/nuovo/",
            f"/calendario/{office['draft'].pk}/modifica/",
            f"/calendario/{office['draft'].pk}/",
        ]
    )
    page.context.clear_cookies()
    login(page, approver_user)
    check(["/revisione/", f"/revisione/post/{office['in_review'].pk}/"])
    assert failures == [], "\n".join(failures)


def test_choosing_an_asset_by_keyboard_and_searching_keeps_the_choice(page, editor_user, office):
    draft = office["draft"]
    login(page, editor_user)
    page.goto(f"/calendario/{draft.pk}/modifica/")
    assert page.get_by_text("il post non potrà essere approvato").is_visible()

    municipio = page.get_by_role("checkbox", name="La facciata del municipio")
    assert municipio.is_visible()
    search = page.get_by_label("Cerca nella libreria")
    search.focus()
    page.keyboard.type("parco")
    municipio.wait_for(state="detached")  # the results came back by htmx
    parco = page.get_by_role("checkbox", name="Il parco comunale d'autunno")
    parco.focus()
    page.keyboard.press("Space")
    assert parco.is_checked()
    piazza = page.get_by_role("checkbox", name="Bancarelle della sagra in piazza")
    assert piazza.is_checked()  # the chosen one stays listed across the search
    piazza.focus()
    page.keyboard.press("Space")  # untick: its rights end before the post

    page.get_by_role("button", name="Salva le modifiche").click()
    page.wait_for_url(f"**/calendario/{draft.pk}/")
    assert list(PostAsset.objects.filter(post=draft).values_list("asset", flat=True)) == [
        office["parco"].pk
    ]
    assert page.get_by_text("1 file dalla libreria, con il suo testo alternativo:").is_visible()
