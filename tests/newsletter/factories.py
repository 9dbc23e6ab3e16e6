import factory
from django.utils import timezone

from apps.newsletter.models import Subscriber


class SubscriberFactory(factory.django.DjangoModelFactory):
    """A confirmed, active subscriber unless told otherwise."""

    class Meta:
        model = Subscriber

    email = factory.Sequence(lambda n: f"cittadino{n}@example.org")
    confirmed_at = factory.LazyFunction(timezone.now)
