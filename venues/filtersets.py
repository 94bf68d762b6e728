"""FilterSets of venues (the API's venue list; `venues.selectors.venue_list` applies them)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from venues.models import City, Venue


class VenueFilterSet(django_filters.FilterSet):
    city = django_filters.ModelMultipleChoiceFilter(
        field_name="city__slug",  # django-filter builds {field_name: value.slug}
        to_field_name="slug",
        queryset=City.objects.all(),
        label=_("City slug (repeatable)."),
    )
    is_professional = django_filters.BooleanFilter(label=_("Only professional venues (true) or the others (false)."))
    kind = django_filters.MultipleChoiceFilter(choices=Venue.Kind.choices, label=_("Kind (repeatable)."))
    status = django_filters.MultipleChoiceFilter(choices=Venue.Status.choices, label=_("Status (repeatable)."))

    class Meta:
        model = Venue
        fields: list[str] = []
