"""The library in a real browser: axe-core on every page, the focal point set by click and by
keyboard, the upload form without JavaScript tricks."""

import pytest

from apps.media_library import services
from apps.media_library.models import Asset
from tests.browser import conftest as harness
from tests.factories import PostFactory
from tests.media_library.conftest import jpeg_bytes, upload

pytestmark = pytest.mark.browser

browser = harness.browser
context = harness.context
page = harness.page
role_groups = harness.role_groups
editor_user = harness.editor_user
login = harness.login
assert_no_axe_violations = harness.assert_no_axe_violations
heading_problems = harness.heading_problems


@pytest.fixture
def library(editor_user):
    used = services.add_asset(
        upload=upload(jpeg_bytes(size=(400, 300), colour=(200, 40, 40))),
        by=editor_user,
        alt_text="Bancarelle della sagra in piazza",
        credits="Ufficio stampa",
        tag_names=["sagra"],
        collection_name="Sagra d'autunno 2026",
    ).asset
    services.attach_asset(post=PostFactory(title="Sagra d'autunno"), asset=used, by=editor_user)
    bare = services.add_asset(
        upload=upload(jpeg_bytes(size=(300, 400), colour=(40, 40, 200))), by=editor_user
    ).asset
    services.make_renditions(asset_id=used.pk)
    return {"used": used, "bare": bare}


def test_every_library_page_passes_axe(page, editor_user, library):
    login(page, editor_user)
    failures = []
    for url in [
        "/libreria/",
        "/libreria/?vista=elenco",
        "/libreria/?q=sagra&kind=image&usage=used",
        "/libreria/carica/",
        f"/libreria/{library['used'].pk}/",
        f"/libreria/{library['bare'].pk}/",
        f"/libreria/{library['used'].pk}/elimina/",
        f"/libreria/{library['bare'].pk}/elimina/",
    ]:
        response = page.goto(url)
        if response.status >= 400:
            failures.append(f"{url}: HTTP {response.status}")
            continue
        failures.extend(f"{url}: {problem}" for problem in heading_problems(page))
        try:
            assert_no_axe_violations(page)
        except AssertionError as error:
            failures.append(f"{url}: {error}")
    assert failures == [], "\n".join(failures)


def test_the_focal_point_by_keyboard(page, editor_user, library):
    asset = library["used"]
    login(page, editor_user)
    page.goto(f"/libreria/{asset.pk}/")
    field = page.get_by_label("Da sinistra (%)")
    field.focus()
    field.fill("")
    page.keyboard.type("30")
    page.get_by_label("Dall'alto (%)").focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("70")
    page.keyboard.press("Enter")  # submits the focal point form (htmx)
    page.locator("#focal-status").get_by_text(
        "Punto focale salvato: 30% da sinistra, 70% dall'alto."
    ).wait_for()
    asset.refresh_from_db()
    assert (asset.focal_x, asset.focal_y) == (0.3, 0.7)
    assert_no_axe_violations(page)


def test_the_focal_point_by_clicking_the_image(page, editor_user, library):
    asset = library["used"]
    login(page, editor_user)
    page.goto(f"/libreria/{asset.pk}/")
    image = page.locator(".media-focal-image")
    box = image.bounding_box()
    image.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.5})
    page.locator("#focal-status").get_by_text("Punto focale salvato: 25% da sinistra").wait_for()
    asset.refresh_from_db()
    assert asset.focal_x == pytest.approx(0.25, abs=0.02)
    assert asset.focal_y == pytest.approx(0.5, abs=0.02)
    assert page.get_by_label("Da sinistra (%)").input_value() == str(round(asset.focal_x * 100))


def _two_photos(tmp_path):
    first, second = tmp_path / "uno.jpg", tmp_path / "due.jpg"
    first.write_bytes(jpeg_bytes(colour=(10, 200, 10)))
    second.write_bytes(b"<html>not a photo</html>")
    return [str(first), str(second)]


def test_uploading_files_one_by_one_with_a_progress_bar_each(page, editor_user, tmp_path):
    login(page, editor_user)
    page.goto("/libreria/carica/")
    page.get_by_label("File da caricare").set_input_files(_two_photos(tmp_path))
    page.get_by_label("Testo alternativo").fill("Il parco comunale")
    page.get_by_role("button", name="Carica", exact=True).click()

    progress = page.locator("[data-media-progress]")
    progress.get_by_text("rifiutato.").wait_for()
    items = progress.locator("li")
    assert items.count() == 2
    assert items.nth(0).locator("progress").get_attribute("aria-label") == "Caricamento di uno.jpg"
    assert "caricato: completa i dati" in items.nth(0).inner_text()
    assert "non è un'immagine valida" in items.nth(1).inner_text()
    assert [p.evaluate("bar => bar.value") for p in progress.locator("progress").all()] == [
        100,
        100,
    ]
    assert Asset.objects.filter(alt_text="Il parco comunale").count() == 1
    assert_no_axe_violations(page)


def test_uploading_without_javascript_uses_the_plain_multi_file_form(
    browser, live_server, editor_user, tmp_path
):
    plain = browser.new_context(base_url=live_server.url, locale="it-IT", java_script_enabled=False)
    try:
        page = plain.new_page()
        login(page, editor_user)
        page.goto("/libreria/carica/")
        page.get_by_label("File da caricare").set_input_files(_two_photos(tmp_path))
        page.get_by_role("button", name="Carica", exact=True).click()
        page.get_by_role("heading", name="Esito del caricamento").wait_for()
        assert "File 1: caricato: completa i dati" in " ".join(page.inner_text("main").split())
        assert "File 2: rifiutato." in page.inner_text("main")
        assert Asset.objects.count() == 1
    finally:
        plain.close()


def test_a_form_error_with_javascript_falls_back_to_the_page_with_errors(
    page, editor_user, tmp_path
):
    login(page, editor_user)
    page.goto("/libreria/carica/")
    page.get_by_label("File da caricare").set_input_files(_two_photos(tmp_path)[:1])
    page.locator("#id_licence").select_option(label="Altra (specificare)")
    page.get_by_label("Crediti (autore)").fill("Archivio storico")
    page.get_by_role("button", name="Carica", exact=True).click()
    page.get_by_text("Scrivi la licenza o l'accordo d'uso.").first.wait_for()
    assert page.get_by_label("Crediti (autore)").input_value() == "Archivio storico"
    assert Asset.objects.count() == 0
    assert_no_axe_violations(page)


def test_the_picker_by_keyboard_keeps_the_choice_across_searches(page, editor_user, library):
    services.add_asset(
        upload=upload(jpeg_bytes(colour=(30, 160, 30))), by=editor_user, alt_text="Parco comunale"
    )
    login(page, editor_user)
    page.goto("/libreria/scegli/")
    assert_no_axe_violations(page)
    search = page.get_by_label("Cerca nella libreria")
    search.focus()
    page.keyboard.type("parco")
    park = page.get_by_label("Parco comunale")
    park.wait_for()
    page.get_by_label("Bancarelle della sagra in piazza").wait_for(state="detached")
    page.keyboard.press("Tab")  # the search button
    page.keyboard.press("Tab")  # the first result
    page.keyboard.press("Space")
    assert park.is_checked()

    search.focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("sagra")
    page.get_by_label("Bancarelle della sagra in piazza").wait_for()
    # The chosen park is still there and still ticked.
    assert page.get_by_label("Parco comunale").is_checked()
    assert_no_axe_violations(page)
