import pytest
from django.core.management import call_command

from apps.media_library.enums import AssetKind, Licence
from apps.media_library.models import Asset, EventAsset, PostAsset


@pytest.mark.django_db
def test_the_demo_has_a_dozen_cc0_images_one_video_and_uses(needs_ffmpeg):
    call_command("load_demo")
    images = Asset.objects.filter(kind=AssetKind.IMAGE)
    assert images.count() == 12
    assert Asset.objects.filter(kind=AssetKind.VIDEO).count() == 1
    assert set(Asset.objects.values_list("licence", flat=True)) == {Licence.CC0}
    assert all(asset.alt_text and asset.credits for asset in Asset.objects.all())
    assert PostAsset.objects.count() == 2
    assert images.filter(collection__name="Sagra d'autunno 2026").count() == 3

    [event_use] = EventAsset.objects.select_related("event", "asset")
    assert event_use.event.image.name == event_use.asset.file.name
    assert event_use.event.image_alt == event_use.asset.alt_text

    call_command("load_demo")
    assert Asset.objects.count() == 13
    assert PostAsset.objects.count() == 2
    assert EventAsset.objects.count() == 1
