from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import INT32_MAX
from venues.models import City, Venue


class CitySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="name_zh", read_only=True, help_text=_("Official (Chinese) name."))
    name_en = serializers.CharField(read_only=True, help_text=_("English name."))
    slug = serializers.SlugField(read_only=True, help_text=_("Stable identifier used everywhere in the API."))
    gb_code = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("GB/T 2260 administrative code; null for special zones.")
    )
    kind = serializers.ChoiceField(choices=City.Kind.choices, read_only=True, help_text=_("city or zone."))
    is_core = serializers.BooleanField(read_only=True, help_text=_("One of the dual core (Shenyang, Dalian)."))

    class Meta:
        model = City
        fields = ["slug", "gb_code", "name", "name_en", "kind", "is_core"]


class VenueSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True, help_text=_("Venue id (exhibitions reference venues by id)."))
    slug = serializers.SlugField(max_length=80, help_text=_("Stable, unique identifier."))
    name = serializers.CharField(
        source="name_zh", max_length=200, allow_blank=True, required=False, help_text=_("Official (Chinese) name.")
    )
    name_en = serializers.CharField(max_length=200, allow_blank=True, required=False, help_text=_("English name."))
    city = serializers.SlugRelatedField(
        slug_field="slug", queryset=City.objects.all(), help_text=_("Slug of the venue's city.")
    )
    kind = serializers.ChoiceField(choices=Venue.Kind.choices, required=False, help_text=_("Kind of venue."))
    indoor_area_m2 = serializers.IntegerField(
        min_value=0, max_value=INT32_MAX, allow_null=True, required=False, help_text=_("Indoor exhibition area, m².")
    )
    outdoor_area_m2 = serializers.IntegerField(
        min_value=0, max_value=INT32_MAX, allow_null=True, required=False, help_text=_("Outdoor exhibition area, m².")
    )
    is_professional = serializers.BooleanField(
        required=False,
        help_text=_("Professional venue (专业展馆): at least 5,000 m² indoor; only events there count."),
    )
    status = serializers.ChoiceField(choices=Venue.Status.choices, required=False, help_text=_("Operating status."))
    opened_year = serializers.IntegerField(
        min_value=1800, max_value=2100, allow_null=True, required=False, help_text=_("Year the venue opened.")
    )
    area_verified = serializers.BooleanField(required=False, help_text=_("The areas were checked against a source."))
    capacity_m2 = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("Indoor + outdoor area, m² (null when neither is known).")
    )
    updated_at = serializers.DateTimeField(read_only=True, help_text=_("Last change."))

    class Meta:
        model = Venue
        fields = [
            "id",
            "slug",
            "name",
            "name_en",
            "city",
            "kind",
            "indoor_area_m2",
            "outdoor_area_m2",
            "is_professional",
            "status",
            "opened_year",
            "area_verified",
            "capacity_m2",
            "updated_at",
        ]

    def validate(self, attrs):
        instance = self.instance
        name_zh = attrs.get("name_zh", getattr(instance, "name_zh", ""))
        name_en = attrs.get("name_en", getattr(instance, "name_en", ""))
        if not (name_zh or "").strip() and not (name_en or "").strip():
            raise serializers.ValidationError({"name": [_("Give the venue a Chinese or an English name.")]})
        return attrs
