import pytest

from apps.newsletter import demo
from apps.newsletter.models import ConsentRecord, Subscriber

pytestmark = pytest.mark.django_db


def test_the_demo_loads_confirmed_subscribers_with_consent_once():
    demo.load({})
    demo.load({})

    assert Subscriber.objects.count() == len(demo.DEMO_SUBSCRIBERS)
    assert all(s.is_active for s in Subscriber.objects.all())
    assert ConsentRecord.objects.count() == 2 * len(demo.DEMO_SUBSCRIBERS)
