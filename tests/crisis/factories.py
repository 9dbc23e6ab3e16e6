from datetime import timedelta

import factory
from django.utils import timezone

from apps.crisis.models import Blackout, BlackoutKind


class BlackoutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Blackout
        skip_postgeneration_save = True

    kind = BlackoutKind.ELECTORAL
    reason = "Elezioni comunali"
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    all_channels = True

    @factory.post_generation
    def allowed_categories(self, create, extracted, **kwargs):
        if extracted:
            self.allowed_categories.set(extracted)

    @factory.post_generation
    def channels(self, create, extracted, **kwargs):
        if extracted:
            self.all_channels = False
            self.save(update_fields=["all_channels"])
            self.channels.set(extracted)
