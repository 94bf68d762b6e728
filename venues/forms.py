from django import forms

from core.forms import BootstrapFormMixin
from venues.models import Venue


class VenueForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Venue
        fields = [
            "name_zh",
            "name_en",
            "slug",
            "city",
            "kind",
            "indoor_area_m2",
            "outdoor_area_m2",
            "is_professional",
            "area_verified",
            "status",
            "opened_year",
            "source",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "source": forms.Textarea(attrs={"rows": 2})}
