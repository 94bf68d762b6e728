"""JSON schema of `ProgressSnapshot.payload` (the contract of SPEC §6); checked before every save."""

from __future__ import annotations

from functools import cache

from django.core.exceptions import ValidationError
from jsonschema import Draft202012Validator

MONTHS = 12

_int = {"type": "integer"}
_count = {"type": "integer", "minimum": 0}
_measure = {
    "type": "object",
    "properties": {"exhibitions": _int, "gross_area_m2": _int},
    "required": ["exhibitions", "gross_area_m2"],
    "additionalProperties": False,
}
_counts_measure = {
    "type": "object",
    "properties": {"exhibitions": _count, "gross_area_m2": _count},
    "required": ["exhibitions", "gross_area_m2"],
    "additionalProperties": False,
}
_nullable_number = {"type": ["number", "null"]}
_percent = {
    "type": "object",
    "properties": {"exhibitions": _nullable_number, "gross_area_m2": _nullable_number},
    "required": ["exhibitions", "gross_area_m2"],
    "additionalProperties": False,
}
_slug = {"type": "string", "minLength": 1}


def _obj(properties: dict, **extra) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
        **extra,
    }


_status_measures = {"achieved": _counts_measure, "committed": _counts_measure, "pipeline": _counts_measure}

SCOPE_SCHEMA = _obj(
    {
        "scope": _slug,
        "goal": _counts_measure,
        "achieved": _counts_measure,
        "committed": _counts_measure,
        "pipeline": _counts_measure,
        "expected_to_date": _counts_measure,
        "forecast": _counts_measure,
        "gap": _measure,
        "ahead_of_plan": _measure,
        "percent": _percent,
        "by_city": {
            "type": "array",
            "items": _obj({"city": _slug, "goal": _counts_measure, **_status_measures, "percent": _percent}),
        },
        "by_batch": {"type": "array", "items": _obj({"batch": _slug, **_status_measures})},
        "by_month": {
            "type": "array",
            "minItems": MONTHS,
            "maxItems": MONTHS,
            "items": _obj(
                {
                    "month": {"type": "integer", "minimum": 1, "maximum": MONTHS},
                    **_status_measures,
                    "plan_cumulative": _counts_measure,
                }
            ),
        },
        "other": _obj(
            {k: _count for k in ("conferences", "outbound", "international", "green", "digital", "flagship")}
        ),
        "large_scale_share": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
        "previous_year": {"oneOf": [{"type": "null"}, _obj(_status_measures)]},
    }
)

PAYLOAD_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "ExpoPlan progress snapshot payload",
    **_obj(
        {
            "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
            "computed_at": {"type": "string", "minLength": 19},
            "rules": _obj(
                {
                    "year": {"type": "integer"},
                    "large_min_gross_area_m2": _count,
                    "professional_venue_min_indoor_m2": _count,
                    "as_of": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                    "expected_basis": {"enum": ["previous_year_monthly", "linear"]},
                    "forecast_conversion_rate": {"type": "number", "minimum": 0, "maximum": 1},
                    "forecast_formula": {"type": "string"},
                }
            ),
            "scopes": {
                "type": "object",
                "properties": {"province": SCOPE_SCHEMA},
                "required": ["province"],
                "additionalProperties": SCOPE_SCHEMA,
            },
            "venue_utilisation": {
                "type": "array",
                "items": _obj(
                    {
                        "venue": _count,
                        "slug": _slug,
                        "name_zh": {"type": "string"},
                        "name_en": {"type": "string"},
                        "city": _slug,
                        "events": _count,
                        "days_booked": _count,
                        "area_days": _count,
                    }
                ),
            },
        }
    ),
}


@cache
def _validator() -> Draft202012Validator:
    """Compiled once per process."""
    return Draft202012Validator(PAYLOAD_SCHEMA)


def payload_errors(payload: dict) -> list[str]:
    """Every violation of the contract as "path: message" (empty when the payload is valid)."""
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in sorted(_validator().iter_errors(payload), key=lambda e: list(e.path))
    ]


def validate_payload(payload: dict) -> None:
    """Raise ValidationError naming the offending paths when `payload` breaks the contract."""
    errors = payload_errors(payload)
    if errors:
        raise ValidationError("progress snapshot payload: " + "; ".join(errors[:10]))
