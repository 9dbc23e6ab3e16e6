"""The rule on usage rights that the editor, the review and the publishing share: an asset
whose rights end before the post goes out must not go out with it. One place for it, so the
editor's flag, the approval's refusal and the review page say the same thing."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.templatetags.pa_format import local_date_with_article

from .enums import AssetKind
from .models import PostAsset


def _day(planned_at: datetime.datetime | datetime.date) -> datetime.date:
    if isinstance(planned_at, datetime.datetime):
        return timezone.localdate(planned_at)
    return planned_at


def rights_problems(assets, *, planned_at) -> list[str]:
    """One message for each asset whose usage rights end before ``planned_at``'s day (in the
    Comune's time zone); empty when every asset may go out then."""
    day = _day(planned_at)
    return [
        _(
            "«%(name)s»: i diritti d'uso scadono %(expiry)s, prima della pubblicazione "
            "prevista %(day)s."
        )
        % {
            "name": asset,
            "expiry": local_date_with_article(asset.rights_expire_on, "j F Y"),
            "day": local_date_with_article(day, "j F Y"),
        }
        for asset in assets
        if asset.rights_expired_on(day)
    ]


def post_rights_problems(post) -> list[str]:
    """:func:`rights_problems` for the assets a post uses (one query)."""
    uses = PostAsset.objects.filter(post=post).select_related("asset").order_by("position", "id")
    return rights_problems([use.asset for use in uses], planned_at=post.planned_at)


def library_image_count(post) -> int:
    """How many images from the library the post sends (what the image checks count beside
    the post's own); reads ``post.media``, which list pages prefetch with ``media__asset``."""
    return sum(1 for use in post.media.all() if use.asset.kind == AssetKind.IMAGE)
