"""The year's target with its thresholds, and the city allocations as an inline formset."""

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFormMixin
from targets.models import CityAllocation, Target
from targets.services import TARGET_FIELDS


class TargetForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Target
        fields = list(TARGET_FIELDS)  # what targets.services.target_save takes
        widgets = {"wording": forms.Textarea(attrs={"rows": 2}), "source": forms.Textarea(attrs={"rows": 2})}


class AllocationForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = CityAllocation
        fields = ["city", "exhibitions", "gross_area_m2"]


class BaseAllocationFormSet(BaseInlineFormSet):
    def clean(self):
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            city = form.cleaned_data.get("city")
            if city is None:
                continue
            if city.pk in seen:
                form.add_error("city", _("This city already has an allocation above."))
            seen.add(city.pk)
        super().clean()

    def totals(self) -> dict:
        exhibitions = gross = 0
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not data.get("city"):
                continue
            exhibitions += data.get("exhibitions") or 0
            gross += data.get("gross_area_m2") or 0
        return {"exhibitions": exhibitions, "gross_area_m2": gross}


AllocationFormSet = inlineformset_factory(
    Target,
    CityAllocation,
    form=AllocationForm,
    formset=BaseAllocationFormSet,
    extra=0,
    can_delete=True,
)


def allocation_check(*, goal_exhibitions: int, goal_gross: int, sum_exhibitions: int, sum_gross: int) -> dict:
    """Do the city allocations add up to the provincial goal? Shown on the page (a warning, not an error)."""
    return {
        "goal": {"exhibitions": goal_exhibitions, "gross_area_m2": goal_gross},
        "sum": {"exhibitions": sum_exhibitions, "gross_area_m2": sum_gross},
        "difference": {"exhibitions": sum_exhibitions - goal_exhibitions, "gross_area_m2": sum_gross - goal_gross},
        "matches": sum_exhibitions == goal_exhibitions and sum_gross == goal_gross,
    }
