from datetime import date, time

import factory

from apps.accounts.roles import Role
from apps.slots.models import Slot
from tests.factories import CategoryFactory, UserFactory


class SlotFactory(factory.django.DjangoModelFactory):
    """A weekly Friday 12:00 slot from 2 January 2026 (a Friday), no end, no channels."""

    class Meta:
        model = Slot
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Rubrica {n}")
    rrule = "FREQ=WEEKLY;BYDAY=FR"
    time = time(12, 0)
    category = factory.SubFactory(CategoryFactory)
    brief = "Gli appuntamenti del fine settimana."
    start_date = date(2026, 1, 2)
    owner = factory.SubFactory(UserFactory, role=Role.EDITOR)

    @factory.post_generation
    def channels(self, create, extracted, **kwargs):
        if extracted:
            self.channels.set(extracted)
