"""Template filters: localised areas (万 m² in Chinese) and small helpers."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


def _is_chinese() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


@register.filter
def area(value, unit: str = "m²") -> str:
    """An area in m²: "12.5万 m²" in Chinese from 10,000 m² up, "125,000 m²" otherwise; "—" when unknown."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(value)
    except (ArithmeticError, ValueError, TypeError):
        return str(value)
    if _is_chinese() and abs(number) >= 10_000:
        wan = (number / Decimal(10_000)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        text = f"{wan:,.2f}".rstrip("0").rstrip(".")
        return _("%(number)s万 %(unit)s") % {"number": text, "unit": unit}
    return f"{number_format(int(number), use_l10n=True, force_grouping=True)} {unit}"


@register.filter
def yesno_mark(value) -> str:
    return "✓" if value else ""


@register.filter
def split(value: str, separator: str | None = None) -> list[str]:
    return value.split(separator)


@register.filter
def field(form, name: str):
    """A bound field by name: {% with f=form|field:"name" %}."""
    return form[name]


@register.filter
def width_class(percent) -> str:
    """The class that makes a progress bar `percent` wide (0 to 100, whole percents; static/css/expoplan.css).

    The Content-Security-Policy allows no style="" attributes, so a bar's width is one of 101 classes.
    """
    try:
        value = int(Decimal(str(percent)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (ArithmeticError, ValueError):  # None, text, NaN, infinity
        value = 0
    return f"ep-w-{min(100, max(0, value))}"
