"""Drag and drop on the library's upload page, in a real browser: files dropped on the zone
become the file field's choice and upload one by one with their progress bars; the field stays
the keyboard's way; the zone never shows without JavaScript. axe-core on the page, and on a
video's page with its captions (the <track> and the captions form)."""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.media_library import services
from apps.media_library.models import Asset
from tests.browser import conftest as harness
from tests.media_library.conftest import jpeg_bytes, upload, video_bytes

pytestmark = pytest.mark.browser

browser = harness.browser
context = harness.context
page = harness.page
role_groups = harness.role_groups
editor_user = harness.editor_user
login = harness.login
assert_no_axe_violations = harness.assert_no_axe_violations

DROP = """([files, target]) => {
  const transfer = new DataTransfer();
  for (const [name, type, data] of files) {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], name, { type }));
  }
  const zone = document.querySelector(target);
  for (const type of ["dragenter", "dragover", "drop"]) {
    const init = { bubbles: true, cancelable: true, dataTransfer: transfer };
    zone.dispatchEvent(new DragEvent(type, init));
  }
}"""


def _encoded(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_files_dropped_on_the_zone_upload_with_a_progress_bar_each(page, editor_user):
    login(page, editor_user)
    page.goto("/libreria/carica/")
    zone = page.locator("[data-media-drop]")
    assert zone.is_visible()
    assert_no_axe_violations(page)

    files = [
        ["piazza.jpg", "image/jpeg", _encoded(jpeg_bytes(colour=(200, 30, 30)))],
        ["parco.jpg", "image/jpeg", _encoded(jpeg_bytes(colour=(30, 200, 30)))],
    ]
    page.evaluate(DROP, [files, "[data-media-drop]"])

    field = page.get_by_label("File da caricare")
    assert field.evaluate("input => Array.from(input.files, (f) => f.name)") == [
        "piazza.jpg",
        "parco.jpg",
    ]
    status = zone.locator("[data-media-drop-status]")
    assert status.inner_text() == "2 file pronti da caricare: piazza.jpg, parco.jpg"
    assert status.get_attribute("aria-live") == "polite"

    page.get_by_label("Testo alternativo").fill("La sagra in piazza")
    page.get_by_role("button", name="Carica", exact=True).click()
    progress = page.locator("[data-media-progress]")
    progress.locator("li").nth(1).get_by_text("caricato: completa i dati").wait_for()
    assert progress.locator("li").count() == 2
    assert Asset.objects.filter(alt_text="La sagra in piazza").count() == 2
    assert_no_axe_violations(page)


def test_the_file_field_stays_the_keyboard_way(page, editor_user, tmp_path):
    login(page, editor_user)
    page.goto("/libreria/carica/")
    field = page.get_by_label("File da caricare")
    page.get_by_role("heading", name="Carica file nella libreria").click()
    for _ in range(12):  # Tab reaches the file field; the drop zone is not a stop on the way
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.closest('[data-media-drop]') !== null")
        assert not focused
        if field.evaluate("input => input === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the file field")
    photo = tmp_path / "municipio.jpg"
    photo.write_bytes(jpeg_bytes(colour=(90, 90, 200)))
    field.set_input_files([str(photo)])  # what the system dialog opened by Space gives back
    assert "1 file pronto da caricare: municipio.jpg" in page.inner_text("[data-media-drop]")


def test_without_javascript_there_is_no_drop_zone(browser, live_server, editor_user):
    plain = browser.new_context(base_url=live_server.url, locale="it-IT", java_script_enabled=False)
    try:
        page = plain.new_page()
        login(page, editor_user)
        page.goto("/libreria/carica/")
        assert not page.locator("[data-media-drop]").is_visible()
        assert page.get_by_label("File da caricare").is_visible()
    finally:
        plain.close()


def test_a_videos_page_with_captions_passes_axe(page, editor_user, tmp_path, needs_ffmpeg):
    clip = services.add_asset(
        upload=upload(video_bytes(tmp_path), name="clip.mp4", content_type="video/mp4"),
        by=editor_user,
        alt_text="Il sindaco taglia il nastro",
    ).asset
    srt = b"1\n00:00:00,200 --> 00:00:01,500\nBuongiorno a tutti.\n"
    services.add_caption(
        asset=clip, upload=SimpleUploadedFile("s.srt", srt), language="it", by=editor_user
    )
    login(page, editor_user)
    page.goto(f"/libreria/{clip.pk}/")
    track = page.locator("video track")
    assert track.get_attribute("srclang") == "it" and track.get_attribute("kind") == "captions"
    assert page.get_by_label("File dei sottotitoli (SRT o WebVTT)").is_visible()
    assert_no_axe_violations(page)
