"""The audit log's one FilterSet: the /audit/ page, its CSV export and GET /api/v1/audit-events/.

Dates are local (Asia/Shanghai) calendar days, turned into a half-open range of the indexed `at`
column (`date_from` 00:00 ≤ at < the day after `date_to`). Rows come newest first.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import AuditEvent
from core.roles import AdminRole, Role
from core.roles_display import ROLE_LABELS

ORDERING = ("-at", "-id")
ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in (*Role, *AdminRole)]


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AuditFilterForm(forms.Form):
    """The filters' form: Bootstrap widgets, date pickers, and the end date not before the start."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"
            if isinstance(field, forms.DateField):
                field.widget.input_type = "date"
                field.widget.format = "%Y-%m-%d"
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}_help"

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", ValidationError(_("The end date is before the start date."), code="date_order"))
        return data


class AuditEventFilterSet(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        method="filter_date_from", label=_("From (date)"), help_text=_("Events on or after this day (YYYY-MM-DD).")
    )
    date_to = django_filters.DateFilter(
        method="filter_date_to", label=_("To (date)"), help_text=_("Events on or before this day (YYYY-MM-DD).")
    )
    user = django_filters.CharFilter(
        field_name="username", lookup_expr="icontains", label=_("User"), help_text=_("User name contains this text.")
    )
    role = django_filters.ChoiceFilter(choices=ROLE_CHOICES, label=_("Role"), help_text=_("The user's role."))
    action = django_filters.ChoiceFilter(
        choices=AuditEvent.Action.choices, label=_("Action"), help_text=_("What was done.")
    )
    outcome = django_filters.ChoiceFilter(
        choices=AuditEvent.Outcome.choices, label=_("Outcome"), help_text=_("Success, failure or denied.")
    )
    object_type = django_filters.CharFilter(
        lookup_expr="icontains",
        label=_("Object type"),
        help_text=_("Object type contains this text, e.g. venues.venue or auth.user."),
    )
    address = django_filters.CharFilter(
        lookup_expr="istartswith",
        label=_("Address"),
        help_text=_("Client address starts with this text, e.g. 10.0. or a whole address."),
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []
        form = AuditFilterForm

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(at__gte=_start_of(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(at__lt=_start_of(value + dt.timedelta(days=1)))

    @property
    def qs(self):
        return super().qs.order_by(*ORDERING)

    def applied(self) -> dict[str, str]:
        """The filters given (after validation), as text: the detail of an audited export."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {
            name: str(value.isoformat() if isinstance(value, dt.date) else value)
            for name, value in self.form.cleaned_data.items()
            if value not in (None, "")
        }
