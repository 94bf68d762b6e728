from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.i18n import BilingualNameMixin
from core.querysets import ReferenceQuerySet


class Batch(BilingualNameMixin, models.Model):
    """One of the "four batches" (四个一批)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    counts_as_exhibition = models.BooleanField(
        _("counts as exhibition"),
        default=True,
        help_text=_("Conferences are tracked but never counted toward exhibition goals."),
    )
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")


class Organizer(BilingualNameMixin, models.Model):
    city = models.ForeignKey(
        "venues.City", verbose_name=_("city"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    website = models.URLField(_("website"), blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])  # who, when, before → after (as Exhibition)
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["name_zh", "name_en"]
        verbose_name = _("organiser")
        verbose_name_plural = _("organisers")


class Brand(BilingualNameMixin, models.Model):
    """A recurring exhibition series with numbered editions (届)."""

    class Origin(models.TextChoices):
        INTRODUCED = "introduced", _("Introduced")
        CULTIVATED = "cultivated", _("Cultivated locally")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    city = models.ForeignKey(
        "venues.City", verbose_name=_("city"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    batch = models.ForeignKey(
        Batch, verbose_name=_("batch"), on_delete=models.PROTECT, null=True, blank=True, related_name="brands"
    )
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices, blank=True)
    is_flagship = models.BooleanField(_("flagship"), default=False)
    typical_gross_area_m2 = models.PositiveIntegerField(_("typical gross area (m²)"), null=True, blank=True)
    typical_month = models.PositiveSmallIntegerField(_("typical month"), null=True, blank=True)
    source = models.TextField(_("source"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])  # who, when, before → after (as Exhibition)
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        constraints = [
            models.CheckConstraint(
                condition=Q(typical_month__isnull=True) | Q(typical_month__gte=1, typical_month__lte=12),
                name="brand_typical_month_valid",
            ),
        ]


class ExhibitionQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "ExhibitionQuerySet":
        """The one scoping rule for exhibitions (SPEC §5)."""
        from core.roles import VIEW, Role, city_of, role_of

        role = role_of(user)
        if role is None:
            return self.none()
        if role == Role.STAFF:
            return self
        if action == VIEW:
            # Every city's rows, as far as other cities may see them; a city official also their own city's.
            if role == Role.CITY_OFFICIAL and (city := city_of(user)) is not None:
                return self.filter(city=city) | self.visible_to_other_cities()
            return self.visible_to_other_cities()
        if role == Role.CITY_OFFICIAL:
            city = city_of(user)
            if city is None:
                return self.none()
            return self.filter(city=city, status=Exhibition.Status.PLANNED)
        return self.none()

    def visible_to_other_cities(self) -> "ExhibitionQuerySet":
        """The rows readable beyond their own city: by city officials of other cities and by API clients
        (SPEC §5). Staff read every row; a city official also reads every row of their own city.

        Today every row: there is no review state yet. The reporting chain (SPEC §9) adds `review_state`
        (draft, submitted, approved, returned); exhibitions in draft, submitted or returned are then
        invisible outside their city, and this becomes the one place that says so:
        `return self.filter(review_state=Exhibition.ReviewState.APPROVED)`.
        Every read (pages, API, exports, reports, drill-downs) gets rows through `for_user`, hence here.
        """
        return self

    def in_year(self, year: int) -> "ExhibitionQuerySet":
        """Events whose start date (a local Asia/Shanghai date) falls in `year`."""
        return self.filter(start_date__year=year)


class Exhibition(BilingualNameMixin, models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        CONFIRMED = "confirmed", _("Confirmed")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    name_zh = models.CharField(_("name (Chinese)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="exhibitions")
    brand = models.ForeignKey(
        Brand, verbose_name=_("brand"), on_delete=models.PROTECT, null=True, blank=True, related_name="exhibitions"
    )
    edition = models.PositiveSmallIntegerField(_("edition (届)"), null=True, blank=True)
    city = models.ForeignKey(
        "venues.City",
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="exhibitions",
        help_text=_("The venue's city; for outbound events, the organising city."),
    )
    venue = models.ForeignKey(
        "venues.Venue",
        verbose_name=_("venue"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exhibitions",
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    gross_area_m2 = models.PositiveIntegerField(
        _("gross area (m²)"), default=0, help_text=_("展览面积: indoor + outdoor space used (UFI total gross).")
    )
    net_area_m2 = models.PositiveIntegerField(
        _("net area (m²)"), null=True, blank=True, help_text=_("展出面积: sum of stand space (UFI total net).")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    organizer = models.ForeignKey(
        Organizer,
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exhibitions",
    )
    is_international = models.BooleanField(_("international"), default=False)
    is_independent_brand = models.BooleanField(_("independent brand"), default=False)
    is_green = models.BooleanField(_("green"), default=False)
    is_digital = models.BooleanField(_("digital"), default=False)
    is_flagship = models.BooleanField(_("flagship"), default=False)
    is_outbound = models.BooleanField(_("outbound"), default=False)
    destination_country = models.CharField(_("destination country"), max_length=100, blank=True)
    is_belt_and_road = models.BooleanField(_("Belt and Road"), default=False)
    is_rcep = models.BooleanField(_("RCEP"), default=False)
    exhibitors = models.PositiveIntegerField(_("exhibitors"), null=True, blank=True)
    visitors = models.PositiveIntegerField(_("visitors"), null=True, blank=True)
    external_ref = models.CharField(
        _("external reference"),
        max_length=100,
        blank=True,
        help_text=_("An identifier from the city's spreadsheet; importing the same reference updates the event."),
    )
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ExhibitionQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name = _("exhibition")
        verbose_name_plural = _("exhibitions")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="exhibition_end_not_before_start"),
            models.CheckConstraint(condition=Q(gross_area_m2__gte=0), name="exhibition_gross_area_non_negative"),
            models.CheckConstraint(
                condition=Q(net_area_m2__isnull=True) | Q(net_area_m2__gte=0),
                name="exhibition_net_area_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(net_area_m2__isnull=True) | Q(net_area_m2__lte=F("gross_area_m2")),
                name="exhibition_net_area_not_above_gross",
            ),
            models.CheckConstraint(
                condition=Q(is_outbound=False) | (Q(venue__isnull=True) & ~Q(destination_country="")),
                name="exhibition_outbound_has_destination_no_venue",
            ),
            models.CheckConstraint(condition=~Q(name_zh="") | ~Q(name_en=""), name="exhibition_has_a_name"),
            models.CheckConstraint(condition=Q(version__gte=1), name="exhibition_version_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "confirmed", "held", "cancelled"]),
                name="exhibition_status_valid",
            ),
            models.UniqueConstraint(
                fields=["external_ref"], condition=~Q(external_ref=""), name="exhibition_external_ref_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["start_date", "status"], name="exh_start_status_idx"),
            models.Index(fields=["city", "start_date"], name="exh_city_start_idx"),
            models.Index(fields=["batch", "start_date"], name="exh_batch_start_idx"),
            models.Index(fields=["status"], name="exh_status_idx"),
            models.Index(fields=["venue", "start_date"], name="exh_venue_start_idx"),
            models.Index(fields=["updated_at"], name="exh_updated_idx"),
            # The list's orderings with the primary key as tiebreak, so a page is read off an index
            # (scanned backwards for a descending sort) instead of sorting every matching row.
            models.Index(fields=["start_date", "id"], name="exh_start_id_idx"),
            models.Index(fields=["gross_area_m2", "id"], name="exh_area_id_idx"),
            models.Index(fields=["city", "gross_area_m2", "id"], name="exh_city_area_id_idx"),
        ]

    def clean(self):
        # Cross-field rules shared by forms, import and the API (exhibitions/validators.py), the name
        # rule among them with its own message: BilingualNameMixin.clean is not called.
        from exhibitions.validators import validate_exhibition

        models.Model.clean(self)
        validate_exhibition(self)
