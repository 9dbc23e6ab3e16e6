import pytest
from django.db import IntegrityError, transaction

from apps.planning.models import ContentCategory, Variant
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db


def test_a_post_links_to_its_page_and_reads_as_its_title():
    post = PostFactory(title="Chiusura anagrafe")
    assert (str(post), post.get_absolute_url()) == ("Chiusura anagrafe", f"/calendario/{post.pk}/")


def test_a_post_has_at_most_one_variant_per_channel():
    channel = ChannelFactory()
    post = PostFactory(channels=[channel])
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.create(post=post, channel=channel, text="doppione")


def test_categories_are_ordered_by_position_then_name():
    ContentCategory.objects.create(name="Zeta", slug="zeta", position=0)
    assert list(ContentCategory.objects.values_list("name", flat=True)) == [
        "Zeta",
        "Informativo",
        "Come fare",
        "Territorio",
    ]
