"""The exhibition form: one set of checks for the browser and for every imported row."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFormMixin
from core.roles import Role, city_of, role_of
from exhibitions.models import Brand, Exhibition, Organizer
from exhibitions.services import EDITABLE_FIELDS
from exhibitions.validators import venue_overlap
from venues.models import Venue


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ExhibitionForm(BootstrapFormMixin, forms.ModelForm):
    """Create/edit an exhibition as `user`.

    City officials see only their own city and the status "planned"; the server re-checks both here
    (clear messages) and in the service (the scoping rule, inside the transaction).
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_over_capacity = forms.BooleanField(
        label=_("I know the venue is shared on these dates beyond its capacity; save anyway."),
        required=False,
    )

    class Meta:
        model = Exhibition
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, for_import: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.role = role_of(user)
        self.own_city = city_of(user) if self.role == Role.CITY_OFFICIAL else None
        self.overlap = None
        self.fields["organizer"].queryset = Organizer.objects.for_user(user, "view")
        self.fields["brand"].queryset = Brand.objects.for_user(user, "view")
        self.fields["venue"].queryset = Venue.objects.for_user(user, "view").select_related("city")
        self.fields["city"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("exhibitions:venue_options"),
                "hx-target": "#id_venue",
                "hx-swap": "innerHTML",
                "hx-trigger": "change",
            }
        )
        if self.own_city is not None:
            self.fields["city"].widget.choices = [(self.own_city.pk, str(self.own_city))]
            self.fields["city"].initial = self.own_city.pk
            self.fields["status"].widget.choices = [(Exhibition.Status.PLANNED, Exhibition.Status.PLANNED.label)]
            self.fields["status"].help_text = _("City officials submit drafts; provincial staff confirm them.")
        if self.instance.pk and not self.is_bound:
            self.fields["version"].initial = self.instance.version
        # Venue choices follow the chosen city (the htmx partial reloads them when the city changes).
        city_id = None if for_import else self._chosen_city_id()
        if city_id and str(city_id).isdigit():
            choices = [("", "---------")] + [
                (v.pk, str(v)) for v in self.fields["venue"].queryset.filter(city_id=city_id)
            ]
            self.fields["venue"].widget.choices = choices

    def _chosen_city_id(self):
        if self.is_bound:
            return self.data.get(self.add_prefix("city")) or None
        if self.instance.pk:
            return self.instance.city_id
        return self.initial.get("city") or (self.own_city.pk if self.own_city else None)

    def clean(self):
        cleaned = super().clean()
        if self.own_city is not None:
            city = cleaned.get("city")
            if city is not None and city.pk != self.own_city.pk:
                self.add_error(
                    "city",
                    _("City officials may only enter exhibitions of their own city (%(city)s).")
                    % {"city": self.own_city},
                )
            if cleaned.get("status") and cleaned["status"] != Exhibition.Status.PLANNED:
                self.add_error("status", _("City officials may only submit planned exhibitions (drafts)."))
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        # Warning (not an error) unless unconfirmed: the venue is shared beyond its capacity.
        if not self.errors:
            self.overlap = venue_overlap(self.instance)
            if (
                self.overlap is not None
                and self.overlap.over_capacity
                and not self.cleaned_data.get("confirm_over_capacity")
            ):
                self.add_error("confirm_over_capacity", self.overlap.message())

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS if name in self.cleaned_data}


class DeleteForm(BootstrapFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(label=_("Yes, delete this exhibition."), required=True)


class ImportUploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (XLSX or CSV)"),
        help_text=_("CSV may be UTF-8 (with or without BOM) or GB18030/GBK as saved by Chinese Excel."),
    )


class OrganizerForm(BootstrapFormMixin, forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Organizer
        fields = ["name_zh", "name_en", "city", "website", "contact", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class BrandForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Brand
        fields = [
            "name_zh",
            "name_en",
            "slug",
            "city",
            "batch",
            "origin",
            "is_flagship",
            "typical_gross_area_m2",
            "typical_month",
            "source",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "source": forms.Textarea(attrs={"rows": 2})}
