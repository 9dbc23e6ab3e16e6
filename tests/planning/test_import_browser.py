"""Importing a plan in a real browser: a file with errors, the preview, the corrected file, the
drafts in the calendar; the export's printable page and "Metti in coda". Each page axe-clean."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from tests.browser import conftest as harness
from tests.factories import CategoryFactory, ChannelFactory, PostFactory
from tests.slots.factories import SlotFactory

pytestmark = pytest.mark.browser

browser = harness.browser
context = harness.context
page = harness.page
role_groups = harness.role_groups
editor_user = harness.editor_user
login = harness.login
assert_no_axe_violations = harness.assert_no_axe_violations


def _day(days: int) -> str:
    return timezone.localdate(timezone.now() + timedelta(days=days)).strftime("%d/%m/%Y")


def _plan(channel_name: str) -> bytes:
    lines = [
        "data;ora;canali;categoria;titolo;testo",
        f"{_day(5)};09:30;Telegram · Comune;Informativo prova;Anagrafe chiusa;"
        "Lunedì l'anagrafe è chiusa.",
        f"{_day(6)};12:00;{channel_name};Informativo prova;Rifiuti;"
        "Martedì la raccolta è anticipata.",
    ]
    return "\n".join(lines).encode("cp1252")


def _choose_file(page, content: bytes) -> None:
    page.get_by_label("File CSV o XLSX").set_input_files(
        files=[{"name": "piano.csv", "mimeType": "text/csv", "buffer": content}]
    )


def test_an_import_with_errors_then_fixed(page, editor_user):
    ChannelFactory(name="Telegram · Comune", kind=ChannelKind.TELEGRAM)
    CategoryFactory(name="Informativo prova", slug="informativo-prova")
    login(page, editor_user)
    page.goto("/calendario/")
    page.get_by_role("link", name="Importa", exact=True).click()
    page.get_by_role("heading", name="Importa un piano da un foglio di calcolo").wait_for()
    assert_no_axe_violations(page)

    # A file with a channel that does not exist, saved by Excel in Windows-1252.
    _choose_file(page, _plan("Telegramm"))
    page.get_by_role("button", name="Carica e mostra l'anteprima").click()
    page.get_by_role("heading", name="Anteprima di «piano.csv»").wait_for()
    assert "1 riga ha errori" in page.get_by_role("alert").inner_text()
    assert page.get_by_text("Canale sconosciuto: «Telegramm».").is_visible()
    assert page.get_by_text("Windows-1252").first.is_visible()
    assert page.get_by_role("button", name="Importa 2 bozze").count() == 0
    assert_no_axe_violations(page)
    assert Post.objects.count() == 0

    # The corrected file, uploaded on the preview page.
    _choose_file(page, _plan("Telegram · Comune"))
    page.get_by_role("button", name="Carica e mostra l'anteprima").click()
    page.get_by_role("button", name="Importa 2 bozze").wait_for()
    assert page.get_by_text("Lunedì l'anagrafe è chiusa.").is_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Importa 2 bozze").click()

    page.get_by_text("2 bozze importate").wait_for()
    assert page.get_by_role("link", name="Anagrafe chiusa").first.is_visible()
    assert_no_axe_violations(page)
    assert sorted(Post.objects.values_list("title", "status")) == [
        ("Anagrafe chiusa", PostStatus.DRAFT),
        ("Rifiuti", PostStatus.DRAFT),
    ]


def test_the_printable_plan_and_the_export_form(page, editor_user):
    channel = ChannelFactory(name="Telegram · Comune", kind=ChannelKind.TELEGRAM)
    post = PostFactory(
        title="Sagra d'autunno", author=editor_user, planned_at=timezone.now() + timedelta(days=2)
    )
    post.variants.create(channel=channel, text="Domenica la sagra.")
    login(page, editor_user)
    page.goto("/calendario/")
    page.get_by_role("link", name="Esporta", exact=True).click()
    page.get_by_role("heading", name="Esporta il piano").wait_for()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Esporta").click()
    page.get_by_role("heading", name="Piano editoriale dal").wait_for()
    assert page.get_by_text("Sagra d'autunno").is_visible()
    assert_no_axe_violations(page)
    page.emulate_media(media="print")
    assert not page.locator(".it-header-wrapper").is_visible()
    assert page.get_by_text("Sagra d'autunno").is_visible()


def test_metti_in_coda_from_the_post_page(page, editor_user):
    channel = ChannelFactory(
        name="Telegram · Comune", kind=ChannelKind.TELEGRAM, preferred_times="09:00, 18:00"
    )
    SlotFactory(name="Weekend", channels=[channel])
    post = PostFactory(
        title="Mercatino", author=editor_user, planned_at=timezone.now() + timedelta(days=30)
    )
    post.variants.create(channel=channel, text="Sabato il mercatino.")
    login(page, editor_user)
    page.goto(f"/calendario/{post.pk}/")
    page.get_by_text("Metti in coda", exact=True).first.click()
    page.get_by_label("Coda").select_option(label="Telegram · Comune")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Metti in coda").click()
    page.get_by_role("status").filter(has_text="messo in coda").wait_for()
    assert_no_axe_violations(page)
    post.refresh_from_db()
    assert timezone.localtime(post.planned_at).strftime("%H:%M") in {"09:00", "18:00"}
