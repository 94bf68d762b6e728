"""factory_boy factories shared by every test folder."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from exhibitions.models import Batch, Brand, Exhibition, Organizer
from targets.models import CityAllocation, Target
from venues.models import City, Venue


def city(slug: str = "shenyang") -> City:
    return City.objects.get(slug=slug)


def batch(code: str = "market") -> Batch:
    return Batch.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("Pw-for-tests-123")


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    slug = factory.Sequence(lambda n: f"venue-{n}")
    name_zh = factory.Sequence(lambda n: f"测试展馆{n}")
    name_en = factory.Sequence(lambda n: f"Test Venue {n}")
    city = factory.LazyFunction(lambda: city("shenyang"))
    kind = Venue.Kind.EXHIBITION_CENTRE
    indoor_area_m2 = 50_000
    outdoor_area_m2 = 10_000
    is_professional = True


class OrganizerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organizer

    name_zh = factory.Sequence(lambda n: f"测试主办方{n}")
    name_en = factory.Sequence(lambda n: f"Test Organiser {n}")


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    slug = factory.Sequence(lambda n: f"brand-{n}")
    name_zh = factory.Sequence(lambda n: f"测试品牌{n}")
    name_en = factory.Sequence(lambda n: f"Test Brand {n}")


class ExhibitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exhibition

    name_zh = factory.Sequence(lambda n: f"测试展会{n}")
    name_en = factory.Sequence(lambda n: f"Test Expo {n}")
    batch = factory.LazyFunction(lambda: batch("market"))
    venue = factory.SubFactory(VenueFactory)
    city = factory.LazyAttribute(lambda o: o.venue.city if o.venue else city("shenyang"))
    start_date = dt.date(2024, 5, 10)
    end_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(days=2))
    gross_area_m2 = 20_000
    status = Exhibition.Status.HELD


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target
        django_get_or_create = ["year"]

    year = 2025
    exhibitions = 100
    gross_area_m2 = 1_000_000


class CityAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CityAllocation

    target = factory.SubFactory(TargetFactory)
    city = factory.LazyFunction(lambda: city("dalian"))
    exhibitions = 10
    gross_area_m2 = 100_000
