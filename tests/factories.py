"""Factories without surprises: every default is plain and visible here."""

from datetime import timedelta

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from apps.accounts.roles import Role
from apps.channels.enums import ChannelKind
from apps.channels.models import Channel
from apps.events.models import Event, EventCategory
from apps.planning.models import ContentCategory, Post, Variant


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@comune.esempio.it")
    password = factory.django.Password("pw")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=Role(extracted).value))


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Canale {n}")
    kind = ChannelKind.OUTBOX


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContentCategory
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Categoria {n}")
    slug = factory.Sequence(lambda n: f"categoria-{n}")
    colour = "#0066CC"


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Post {n}")
    category = factory.SubFactory(CategoryFactory)
    planned_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    base_text = "Lunedì 3 marzo l'ufficio anagrafe resta chiuso."
    author = factory.SubFactory(UserFactory, role=Role.EDITOR)

    @factory.post_generation
    def channels(self, create, extracted, **kwargs):
        """``PostFactory(channels=[c1, c2])`` creates one variant per channel."""
        for channel in extracted or []:
            Variant.objects.create(post=self, channel=channel, text=self.base_text)


class EventCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventCategory
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Eventi {n}")
    slug = factory.Sequence(lambda n: f"eventi-{n}")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Evento {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + timedelta(hours=2))
    location_name = "Piazza del Municipio"
    category = factory.SubFactory(EventCategoryFactory)
    published = True
