"""Bilingual names: each domain object stores a Chinese and an English name."""

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

    @property
    def name(self) -> str:
        first, second = (self.name_zh, self.name_en) if prefers_chinese() else (self.name_en, self.name_zh)
        return first or second
