"""Serializer helpers shared by the apps' API packages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

INT32_MAX = 2_147_483_647  # PositiveIntegerField's upper bound on every supported database
INT64_MAX = 9_223_372_036_854_775_807


def name_fields(max_length: int) -> dict[str, serializers.Field]:
    """`name` (Chinese, the official name) and `name_en`; one of them must be given."""
    return {
        "name": serializers.CharField(
            source="name_zh",
            max_length=max_length,
            allow_blank=True,
            required=False,
            help_text=_("Official (Chinese) name, 中文名称."),
        ),
        "name_en": serializers.CharField(
            max_length=max_length, allow_blank=True, required=False, help_text=_("English name.")
        ),
    }


def rename_errors(errors: dict, renames: dict[str, str]) -> dict:
    """Model field names in service errors → API field names (e.g. name_zh → name)."""
    return {renames.get(key, key): value for key, value in errors.items()}
