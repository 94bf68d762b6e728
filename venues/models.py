from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.i18n import BilingualNameMixin
from core.querysets import ReferenceQuerySet


class City(BilingualNameMixin, models.Model):
    """A prefecture-level city of the province, or a special zone (e.g. the Shenfu zone)."""

    class Kind(models.TextChoices):
        CITY = "city", _("City")
        ZONE = "zone", _("Zone")

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    gb_code = models.CharField(_("GB/T 2260 code"), max_length=6, unique=True, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CITY)
    is_core = models.BooleanField(_("dual core"), default=False, help_text=_("Shenyang and Dalian"))
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "slug"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")


class Venue(BilingualNameMixin, models.Model):
    class Kind(models.TextChoices):
        EXHIBITION_CENTRE = "exhibition_centre", _("Exhibition centre")
        CONFERENCE_CENTRE = "conference_centre", _("Conference centre")
        HOTEL = "hotel", _("Hotel")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPERATING = "operating", _("Operating")
        UNDER_CONSTRUCTION = "under_construction", _("Under construction")
        PLANNED = "planned", _("Planned")
        UPGRADING = "upgrading", _("Upgrading")
        CLOSED = "closed", _("Closed")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="venues")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.EXHIBITION_CENTRE)
    indoor_area_m2 = models.PositiveIntegerField(_("indoor exhibition area (m²)"), null=True, blank=True)
    outdoor_area_m2 = models.PositiveIntegerField(_("outdoor exhibition area (m²)"), null=True, blank=True)
    is_professional = models.BooleanField(
        _("professional venue"),
        default=False,
        help_text=_("Permanent exhibition venue with at least 5,000 m² of indoor exhibition space."),
    )
    area_verified = models.BooleanField(_("area verified"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPERATING)
    opened_year = models.PositiveSmallIntegerField(_("year opened"), null=True, blank=True)
    source = models.TextField(_("source"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])  # who, when, before → after (as Exhibition)
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["city__sort_order", "slug"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        constraints = [
            models.CheckConstraint(
                condition=Q(indoor_area_m2__isnull=True) | Q(indoor_area_m2__gte=0),
                name="venue_indoor_area_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(outdoor_area_m2__isnull=True) | Q(outdoor_area_m2__gte=0),
                name="venue_outdoor_area_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["city", "is_professional"], name="venue_city_prof_idx")]

    @property
    def capacity_m2(self) -> int | None:
        """Indoor + outdoor exhibition area, or None when neither is known."""
        if self.indoor_area_m2 is None and self.outdoor_area_m2 is None:
            return None
        return (self.indoor_area_m2 or 0) + (self.outdoor_area_m2 or 0)
