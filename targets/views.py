"""Targets pages: every role reads; provincial staff set a year's goals, thresholds and city allocations."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from core.history import history_entries
from core.roles import ADD, CHANGE, VIEW
from core.views import WorkspaceMixin
from core.writes import may
from targets.forms import AllocationFormSet, TargetForm, allocation_check
from targets.models import CityAllocation, Target
from targets.services import ALLOCATION_FIELDS, TARGET_FIELDS, target_save
from venues.selectors import city_list


def _add_errors(form, rows: list, error: ValidationError) -> None:
    """target_save's errors onto the form and the allocation rows ("allocations.<index>.<field>")."""
    for key, texts in (error.message_dict if hasattr(error, "error_dict") else {"": error.messages}).items():
        owner, name = form, key
        if key.startswith("allocations."):
            _prefix, index, *field = key.split(".")
            owner, name = rows[int(index)], field[0] if field else None
        owner.add_error(name if name in owner.fields else None, texts)


def _check_for(target: Target) -> dict:
    sums = target.allocations.aggregate(e=Sum("exhibitions"), g=Sum("gross_area_m2"))
    return allocation_check(
        goal_exhibitions=target.exhibitions,
        goal_gross=target.gross_area_m2,
        sum_exhibitions=sums["e"] or 0,
        sum_gross=sums["g"] or 0,
    )


class TargetListView(WorkspaceMixin, View):
    def get(self, request):
        targets = (
            Target.objects.for_user(request.user, VIEW)
            .annotate(
                sum_exhibitions=Sum("allocations__exhibitions"),
                sum_gross=Sum("allocations__gross_area_m2"),
                n_allocations=Count("allocations"),
            )
            .order_by("-year")
        )
        rows = []
        for target in targets:
            rows.append(
                {
                    "target": target,
                    "check": allocation_check(
                        goal_exhibitions=target.exhibitions,
                        goal_gross=target.gross_area_m2,
                        sum_exhibitions=target.sum_exhibitions or 0,
                        sum_gross=target.sum_gross or 0,
                    ),
                }
            )
        can_add = may(actor=request.user, model=Target, action=ADD)
        return render(request, "targets/list.html", {"rows": rows, "can_edit": can_add})


class TargetDetailView(WorkspaceMixin, View):
    def get(self, request, year: int):
        target = Target.objects.for_user(request.user, VIEW).filter(year=year).first()
        if target is None:
            raise Http404
        allocations = CityAllocation.objects.for_user(request.user, VIEW).filter(target=target).select_related("city")
        history, history_more = history_entries(target.history.all(), fields=TARGET_FIELDS)
        allocation_history, allocation_history_more = history_entries(
            CityAllocation.history.filter(target_id=target.pk), fields=("exhibitions", "gross_area_m2"), subject="city"
        )
        return render(
            request,
            "targets/detail.html",
            {
                "target": target,
                "allocations": allocations,
                "check": _check_for(target),
                "history": history,
                "history_more": history_more,
                "allocation_history": allocation_history,
                "allocation_history_more": allocation_history_more,
                "can_edit": may(actor=request.user, model=Target, action=CHANGE, pk=target.pk),
            },
        )


class TargetEditView(WorkspaceMixin, View):
    """Create (no year) or edit a year's target with its allocations (staff only)."""

    staff_only = True
    template_name = "targets/form.html"

    def get_object(self, request, year: int | None) -> Target:
        if year is None:
            return Target()
        target = Target.objects.for_user(request.user, CHANGE).filter(year=year).first()
        if target is None:
            raise Http404
        return target

    def get(self, request, year: int | None = None):
        target = self.get_object(request, year)
        form = TargetForm(instance=target)
        initial = []
        if target.pk is None:
            initial = [{"city": c.pk} for c in city_list(actor=request.user)]
        formset = AllocationFormSet(instance=target, initial=initial)
        if initial:
            formset.extra = len(initial)
        else:
            allocated = set(target.allocations.values_list("city_id", flat=True))
            missing = [{"city": c.pk} for c in city_list(actor=request.user).exclude(pk__in=allocated)]
            formset = AllocationFormSet(instance=target, initial=missing)
            formset.extra = len(missing)
        return self.render_form(request, {"form": form, "formset": formset, "target": target})

    def post(self, request, year: int | None = None):
        target = self.get_object(request, year)
        form = TargetForm(request.POST, instance=target)
        formset = AllocationFormSet(request.POST, instance=target)
        if form.is_valid() and formset.is_valid():
            rows = [
                f for f in formset.forms if f.cleaned_data.get("city") is not None and not f.cleaned_data.get("DELETE")
            ]
            allocations = [{name: f.cleaned_data[name] for name in ALLOCATION_FIELDS} for f in rows]
            try:
                saved = target_save(actor=request.user, target=target, data=form.cleaned_data, allocations=allocations)
            except ValidationError as error:
                _add_errors(form, rows, error)
            else:
                check = _check_for(saved)
                if check["matches"]:
                    messages.success(request, _("Target %(year)s saved.") % {"year": saved.year})
                else:
                    messages.warning(
                        request,
                        _(
                            "Target %(year)s saved, but the city allocations do not add up to the provincial goal "
                            "(difference: %(exhibitions)+d exhibitions, %(area)+d m²)."
                        )
                        % {
                            "year": saved.year,
                            "exhibitions": check["difference"]["exhibitions"],
                            "area": check["difference"]["gross_area_m2"],
                        },
                    )
                return redirect("targets:detail", year=saved.year)
        totals = formset.totals() if formset.is_bound else {"exhibitions": 0, "gross_area_m2": 0}
        check = None
        if form.is_valid():
            check = allocation_check(
                goal_exhibitions=form.cleaned_data["exhibitions"],
                goal_gross=form.cleaned_data["gross_area_m2"],
                sum_exhibitions=totals["exhibitions"],
                sum_gross=totals["gross_area_m2"],
            )
        return self.render_form(request, {"form": form, "formset": formset, "target": target, "check": check})

    def render_form(self, request, context: dict):
        context["live_labels"] = {
            "sum": _("Allocated / goal:"),
            "ok": _("the allocations add up"),
            "bad": _("the allocations do not add up to the goal"),
        }
        return render(request, self.template_name, context)
