"""Bilingual names: each domain object stores a Chinese and an English name."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def prefers_chinese() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


class BilingualNameMixin(models.Model):
    """`name_zh` and `name_en`; `.name` is the one for the active language, falling back to the other."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if not (self.name_zh or "").strip() and not (self.name_en or "").strip():
            raise ValidationError(
                {"name_zh": ValidationError(_("Give a Chinese or an English name."), code="name_missing")}
            )

    @property
    def name(self) -> str:
        first, second = (self.name_zh, self.name_en) if prefers_chinese() else (self.name_en, self.name_zh)
        return first or second
