from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import INT32_MAX
from exhibitions.models import Batch, Brand, Exhibition, Organizer
from venues.models import City, Venue

MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
NOTES_MAX_LENGTH = 10_000


class BatchSerializer(serializers.ModelSerializer):
    code = serializers.SlugField(read_only=True, help_text=_("brand, resident, market or conference."))
    name = serializers.CharField(source="name_zh", read_only=True, help_text=_("Official (Chinese) name."))
    name_en = serializers.CharField(read_only=True, help_text=_("English name."))
    counts_as_exhibition = serializers.BooleanField(
        read_only=True, help_text=_("False for conferences: tracked, never counted toward exhibition goals.")
    )

    class Meta:
        model = Batch
        fields = ["code", "name", "name_en", "counts_as_exhibition"]


class OrganizerSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True, help_text=_("Organiser id (exhibitions reference it by id)."))
    name = serializers.CharField(source="name_zh", read_only=True, help_text=_("Official (Chinese) name."))
    name_en = serializers.CharField(read_only=True, help_text=_("English name."))
    city = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text=_("Slug of the organiser's city, if any.")
    )
    website = serializers.CharField(read_only=True, help_text=_("Website URL (may be empty)."))
    updated_at = serializers.DateTimeField(read_only=True, help_text=_("Last change."))

    class Meta:
        model = Organizer
        fields = ["id", "name", "name_en", "city", "website", "updated_at"]


class BrandSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True, help_text=_("Brand id."))
    slug = serializers.SlugField(read_only=True, help_text=_("Stable identifier (exhibitions reference it)."))
    name = serializers.CharField(source="name_zh", read_only=True, help_text=_("Official (Chinese) name."))
    name_en = serializers.CharField(read_only=True, help_text=_("English name."))
    city = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text=_("Slug of the home city, if any.")
    )
    batch = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text=_("Code of the batch the series belongs to.")
    )
    origin = serializers.CharField(
        read_only=True, help_text=_("introduced (from outside the province), cultivated (locally) or empty.")
    )
    is_flagship = serializers.BooleanField(read_only=True, help_text=_("A flagship (国家级名片) series."))
    typical_gross_area_m2 = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("Typical gross area of an edition, m².")
    )
    typical_month = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("Month (1–12) an edition usually opens.")
    )
    updated_at = serializers.DateTimeField(read_only=True, help_text=_("Last change."))

    class Meta:
        model = Brand
        fields = [
            "id",
            "slug",
            "name",
            "name_en",
            "city",
            "batch",
            "origin",
            "is_flagship",
            "typical_gross_area_m2",
            "typical_month",
            "updated_at",
        ]


def _date_in_range(value: dt.date) -> None:
    if not (MIN_DATE <= value <= MAX_DATE):
        raise serializers.ValidationError(_("Give a date between 2000-01-01 and 2100-12-31."))


class ExhibitionSerializer(serializers.ModelSerializer):
    """One exhibition. Writes go through exhibitions.services (validation, scope re-check, history)."""

    id = serializers.IntegerField(read_only=True, help_text=_("Exhibition id."))
    name = serializers.CharField(
        source="name_zh",
        max_length=300,
        allow_blank=True,
        required=False,
        help_text=_("Official (Chinese) name, 中文名称. `name` or `name_en` must be non-empty."),
    )
    name_en = serializers.CharField(max_length=300, allow_blank=True, required=False, help_text=_("English name."))
    batch = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Batch.objects.all(),
        help_text=_("Batch code: brand, resident, market or conference (conferences never count)."),
    )
    brand = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Brand.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Slug of the brand (recurring series), if any."),
    )
    edition = serializers.IntegerField(
        min_value=1, max_value=32767, allow_null=True, required=False, help_text=_("Edition number (届) of the brand.")
    )
    city = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=City.objects.all(),
        required=False,
        help_text=_(
            "City slug. Defaults to the venue's city (and must equal it); outbound events carry the organising city."
        ),
    )
    venue = serializers.PrimaryKeyRelatedField(
        queryset=Venue.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Venue id; empty for outbound events."),
    )
    start_date = serializers.DateField(
        validators=[_date_in_range],
        help_text=_("First day (local date, Asia/Shanghai); decides the year it counts in."),
    )
    end_date = serializers.DateField(validators=[_date_in_range], help_text=_("Last day; not before start_date."))
    gross_area_m2 = serializers.IntegerField(
        min_value=0,
        max_value=INT32_MAX,
        help_text=_(
            "Gross area (展览面积), m²: indoor + outdoor space used; the figure goals count. More than 0, "
            "except for a conference (batch conference), which may use no exhibition space (0)."
        ),
    )
    net_area_m2 = serializers.IntegerField(
        min_value=0,
        max_value=INT32_MAX,
        allow_null=True,
        required=False,
        help_text=_("Net area (展出面积), m²: stand space; not above gross_area_m2."),
    )
    status = serializers.ChoiceField(
        choices=Exhibition.Status.choices,
        required=False,
        help_text=_("planned, confirmed, held or cancelled (default planned). City officials may only use planned."),
    )
    organizer = serializers.PrimaryKeyRelatedField(
        queryset=Organizer.objects.all(), allow_null=True, required=False, help_text=_("Organiser id, if any.")
    )
    is_international = serializers.BooleanField(required=False, help_text=_("International exhibition."))
    is_independent_brand = serializers.BooleanField(required=False, help_text=_("Independent (own) brand."))
    is_green = serializers.BooleanField(required=False, help_text=_("Green exhibition."))
    is_digital = serializers.BooleanField(required=False, help_text=_("Digital exhibition."))
    is_flagship = serializers.BooleanField(required=False, help_text=_("Flagship (国家级名片) event."))
    is_outbound = serializers.BooleanField(
        required=False, help_text=_("Outbound (出境展): held abroad; needs destination_country and no venue.")
    )
    destination_country = serializers.CharField(
        max_length=100, allow_blank=True, required=False, help_text=_("Destination country of an outbound event.")
    )
    is_belt_and_road = serializers.BooleanField(required=False, help_text=_("Outbound to a Belt and Road country."))
    is_rcep = serializers.BooleanField(required=False, help_text=_("Outbound to an RCEP country."))
    exhibitors = serializers.IntegerField(
        min_value=0, max_value=INT32_MAX, allow_null=True, required=False, help_text=_("Number of exhibitors.")
    )
    visitors = serializers.IntegerField(
        min_value=0, max_value=INT32_MAX, allow_null=True, required=False, help_text=_("Number of visitors.")
    )
    external_ref = serializers.CharField(
        max_length=100,
        allow_blank=True,
        required=False,
        help_text=_("Identifier in another system or a city's spreadsheet; unique when not empty."),
    )
    notes = serializers.CharField(
        max_length=NOTES_MAX_LENGTH, allow_blank=True, required=False, help_text=_("Free text notes.")
    )
    counts = serializers.SerializerMethodField(
        help_text=_("Counts toward its start year's goals under the counting rules (SPEC §3).")
    )
    version = serializers.IntegerField(
        min_value=1,
        max_value=INT32_MAX,
        required=False,
        help_text=_(
            "Read: the current version (bumped by every change; a change that alters nothing keeps it). "
            "Write (PUT/PATCH): the version your change is based on, required unless an If-Match header is "
            "sent (without either: 428); if somebody saved since, the answer is 409 and nothing is written. "
            "Ignored on create."
        ),
    )
    confirm_over_capacity = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text=_(
            "Save even though events sharing the venue on overlapping dates together exceed its capacity "
            "(otherwise 400 on this field)."
        ),
    )
    created_at = serializers.DateTimeField(read_only=True, help_text=_("When it was created."))
    updated_at = serializers.DateTimeField(read_only=True, help_text=_("Last change."))

    class Meta:
        model = Exhibition
        fields = [
            "id",
            "name",
            "name_en",
            "batch",
            "brand",
            "edition",
            "city",
            "venue",
            "start_date",
            "end_date",
            "gross_area_m2",
            "net_area_m2",
            "status",
            "organizer",
            "is_international",
            "is_independent_brand",
            "is_green",
            "is_digital",
            "is_flagship",
            "is_outbound",
            "destination_country",
            "is_belt_and_road",
            "is_rcep",
            "exhibitors",
            "visitors",
            "external_ref",
            "notes",
            "counts",
            "version",
            "confirm_over_capacity",
            "created_at",
            "updated_at",
        ]
        validators: list = []  # the services validate everything (model constraints included)

    def to_representation(self, instance: Exhibition) -> dict:
        """What ModelSerializer's generic representation gives for the fields above (a test compares the
        two on varied rows), written out: a page of 500 rows spent ~70 µs a row in DRF's per-field
        dispatch (attribute lookup by source path, SkipField and None checks for each of 31 fields)."""
        e = instance
        timestamps = self.fields["created_at"]
        return {
            "id": e.id,
            "name": str(e.name_zh),
            "name_en": str(e.name_en),
            "batch": e.batch.code,
            "brand": e.brand.slug if e.brand_id is not None else None,
            "edition": e.edition,
            "city": e.city.slug,
            "venue": e.venue_id,
            "start_date": e.start_date.isoformat(),
            "end_date": e.end_date.isoformat(),
            "gross_area_m2": e.gross_area_m2,
            "net_area_m2": e.net_area_m2,
            "status": e.status,
            "organizer": e.organizer_id,
            "is_international": e.is_international,
            "is_independent_brand": e.is_independent_brand,
            "is_green": e.is_green,
            "is_digital": e.is_digital,
            "is_flagship": e.is_flagship,
            "is_outbound": e.is_outbound,
            "destination_country": str(e.destination_country),
            "is_belt_and_road": e.is_belt_and_road,
            "is_rcep": e.is_rcep,
            "exhibitors": e.exhibitors,
            "visitors": e.visitors,
            "external_ref": str(e.external_ref),
            "notes": str(e.notes),
            "counts": self.get_counts(e),
            "version": e.version,
            "created_at": timestamps.to_representation(e.created_at),
            "updated_at": timestamps.to_representation(e.updated_at),
        }

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_counts(self, obj: Exhibition) -> bool:
        annotated = getattr(obj, "counts_toward_target", None)
        if annotated is not None:
            return bool(annotated)
        from targets.rules import is_counted, rules_for

        return is_counted(obj, rules_for(obj.start_date.year))

    def validate(self, attrs):
        if self.instance is None and "city" not in attrs:
            venue = attrs.get("venue")
            if venue is None:
                raise serializers.ValidationError({"city": [_("Give a city slug (or a venue to take it from).")]})
            attrs["city"] = venue.city
        return attrs

    def service_data(self) -> dict:
        """validated_data as the services take it (model field names, instances for foreign keys)."""
        data = dict(self.validated_data)
        data.pop("version", None)
        data.pop("confirm_over_capacity", None)
        return data
