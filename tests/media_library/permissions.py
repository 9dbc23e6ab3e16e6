from tests.permissions import FORBIDDEN, Access


def _asset(cast):
    from apps.media_library import services
    from tests.media_library.conftest import jpeg_bytes, upload

    colour = (len(cast["editor"].username), 77, 11 + _asset.counter)
    _asset.counter += 1
    added = services.add_asset(
        upload=upload(jpeg_bytes(colour=colour)), by=cast["editor"], alt_text="Il municipio"
    )
    return {"pk": added.asset.pk}


_asset.counter = 0


def _staff_answer(status: str) -> dict:
    """Staff reach the view, which answers ``status`` (a form error, a refusal)."""
    return {role: status for role in ("editor", "other_editor", "approver", "admin")}


def _asset_in_use(cast):
    from apps.media_library import services
    from apps.media_library.models import Asset
    from tests.factories import PostFactory

    kwargs = _asset(cast)
    services.attach_asset(
        post=PostFactory(author=cast["editor"]),
        asset=Asset.objects.get(pk=kwargs["pk"]),
        by=cast["editor"],
    )
    return kwargs


def _caption(cast):
    """A caption row on an asset (the delete view only needs the row and its stored name)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from apps.media_library.models import Caption

    kwargs = _asset(cast)
    name = default_storage.save("media_library/captions/prova.vtt", ContentFile(b"WEBVTT\n"))
    caption = Caption.objects.create(asset_id=kwargs["pk"], language="it", file=name)
    return {"pk": kwargs["pk"], "caption_pk": caption.pk}


ROWS = [
    Access("media_library:library"),
    Access("media_library:library", query="?q=municipio&kind=image&usage=unused&vista=elenco"),
    Access("media_library:upload"),
    Access("media_library:picker", query="?media_q=municipio&media_assets=1"),
    # No file: the form answers 400 with its errors.
    Access(
        "media_library:upload",
        method="POST",
        data=lambda cast, kwargs: {},
        label=" empty",
        **_staff_answer("400"),
    ),
    Access("media_library:detail", make_kwargs=_asset),
    Access(
        "media_library:detail",
        method="POST",
        make_kwargs=_asset,
        data=lambda cast, kwargs: {"alt_text": "La piazza", "licence": "comune"},
    ),
    Access(
        "media_library:focal_point",
        method="POST",
        make_kwargs=_asset,
        data=lambda c, k: {"x": 30, "y": 40},
    ),
    Access(
        "media_library:replace",
        method="POST",
        make_kwargs=_asset,
        data=lambda c, k: {},
        **_staff_answer("400"),
    ),
    # An image takes no captions: the form answers 400 with the reason.
    Access(
        "media_library:caption_add",
        method="POST",
        make_kwargs=_asset,
        data=lambda c, k: {"language": "it"},
        **_staff_answer("400"),
    ),
    Access("media_library:caption_delete", method="POST", make_kwargs=_caption),
    Access("media_library:delete", make_kwargs=_asset),
    Access("media_library:delete", method="POST", make_kwargs=_asset),
    Access(
        "media_library:delete",
        method="POST",
        make_kwargs=_asset_in_use,
        label=" in use",
        **_staff_answer("409"),
    ),
]


def _asset_with_original(cast):
    """An asset whose original was kept (the original stored in the originals' storage)."""
    from django.conf import settings
    from django.test import override_settings

    from apps.media_library import services
    from tests.media_library.conftest import jpeg_bytes, upload

    _asset.counter += 1
    with override_settings(MEDIA_KEEP_ORIGINALS=True):
        assert settings.MEDIA_KEEP_ORIGINALS
        added = services.add_asset(
            upload=upload(jpeg_bytes(colour=(3, 99, _asset.counter), gps=True)),
            by=cast["editor"],
            alt_text="Il campanile",
        )
    return {"pk": added.asset.pk}


ROWS += [
    # The upload as it came (GPS and all): administrators only.
    Access(
        "media_library:original",
        make_kwargs=_asset_with_original,
        editor=FORBIDDEN,
        other_editor=FORBIDDEN,
        approver=FORBIDDEN,
    ),
]
