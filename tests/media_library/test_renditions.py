"""Per-network renditions, made by the Celery task from the stored image."""

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from apps.media_library import services, tasks
from apps.media_library.models import Rendition
from apps.media_library.networks import MB, NETWORKS
from tests.media_library.conftest import upload

pytestmark = pytest.mark.django_db


def _striped(size) -> bytes:
    """A red image with a blue vertical band at 80% of its width (the subject)."""
    width, height = size
    image = Image.new("RGB", size, (220, 0, 0))
    band = int(width * 0.8)
    image.paste((0, 0, 220), (band - width // 40, 0, band + width // 40, height))
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def _opened(rendition) -> Image.Image:
    with default_storage.open(rendition.file.name, "rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def test_instagram_gets_a_wide_image_cropped_to_191_to_1_around_the_focal_point(uploader):
    asset = services.add_asset(
        upload=upload(_striped((3000, 1000)), name="panorama.png"), by=uploader, alt_text="x"
    ).asset
    services.set_focal_point(asset=asset, x=0.8, y=0.5, by=uploader)

    assert tasks.make_renditions(asset_id=asset.pk) == len(NETWORKS)

    rendition = Rendition.objects.get(asset=asset, network="instagram")
    image = _opened(rendition)
    assert image.format == "JPEG"
    assert image.width / image.height == pytest.approx(1.91, abs=0.01)
    assert image.width <= 1440
    # The crop keeps the right end (1090–3000 of 3000 px), where the band at 2400 px is.
    band = image.getpixel((round((2400 - 1090) / 1910 * image.width), image.height // 2))
    assert band[2] > 150 and band[0] < 100

    services.set_focal_point(asset=asset, x=0.1, y=0.5, by=uploader)
    services.make_renditions(asset_id=asset.pk)
    image = _opened(Rendition.objects.get(asset=asset, network="instagram"))
    # Now the crop keeps the left end (0–1910 px): the band is gone.
    assert all(image.getpixel((x, image.height // 2))[0] > 150 for x in range(0, image.width, 7))


def test_instagram_gets_a_tall_image_cropped_to_4_to_5(uploader):
    asset = services.add_asset(
        upload=upload(_striped((600, 1500)), name="alta.png"), by=uploader, alt_text="x"
    ).asset
    services.make_renditions(asset_id=asset.pk)
    image = _opened(Rendition.objects.get(asset=asset, network="instagram"))
    assert image.size == (600, 750)


def test_every_rendition_keeps_within_its_network_limits(uploader, settings):
    # Noise does not compress: the 1 MB Bluesky limit needs smaller or lower-quality output.
    noise = Image.effect_noise((2000, 1400), 120).convert("RGB")
    output = io.BytesIO()
    noise.save(output, format="PNG")
    asset = services.add_asset(
        upload=upload(output.getvalue(), name="rumore.png"), by=uploader, alt_text="x"
    ).asset

    services.make_renditions(asset_id=asset.pk)

    for rendition in Rendition.objects.filter(asset=asset):
        limits = NETWORKS[rendition.network]
        image = _opened(rendition)
        assert rendition.size_bytes <= limits.max_image_bytes, rendition.network
        assert max(image.size) <= limits.max_side, rendition.network
        assert image.getexif() == {}
    bluesky = Rendition.objects.get(asset=asset, network="bluesky")
    assert bluesky.size_bytes <= 1_000_000
    assert NETWORKS["x"].max_image_bytes == 5 * MB


def test_running_the_task_twice_changes_nothing_and_a_new_focal_point_remakes_them(uploader):
    asset = services.add_asset(
        upload=upload(_striped((800, 400)), name="a.png"), by=uploader, alt_text="x"
    ).asset
    services.make_renditions(asset_id=asset.pk)
    first = dict(Rendition.objects.values_list("network", "file"))

    assert services.make_renditions(asset_id=asset.pk) == 0
    assert dict(Rendition.objects.values_list("network", "file")) == first

    services.set_focal_point(asset=asset, x=0.1, y=0.1, by=uploader)
    assert services.make_renditions(asset_id=asset.pk) == len(NETWORKS)
    assert not default_storage.exists(first["instagram"])


def test_the_task_of_a_deleted_asset_does_nothing(uploader):
    assert tasks.make_renditions(asset_id=12345) == 0


def test_uploading_queues_the_renditions_after_commit(
    uploader, tasks_run_at_once, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        asset = services.add_asset(
            upload=upload(_striped((500, 500)), name="a.png"), by=uploader, alt_text="x"
        ).asset
    assert Rendition.objects.filter(asset=asset).count() == len(NETWORKS)
