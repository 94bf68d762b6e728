"""Bilingual names: each domain object stores a Chinese and an English name.

Names never hold bidirectional control characters (SPEC §12): U+202E and its kin make a name display
differently from what it is ("Trojan Source"), in the list, in exports and in reports. `bidi_errors` is
the one check; model validation runs it (BilingualNameMixin.clean, Exhibition.clean through
exhibitions/validators.py), and so every form, the API's services and the import refuse such a name
with a message naming the field.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), the implicit marks (LRM, RLM)
# and the Arabic letter mark.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
NAME_FIELDS = ("name_zh", "name_en")


def bidi_control_in(text) -> str | None:
    """The first bidirectional control character of `text` (None when there is none)."""
    if isinstance(text, str):
        for char in text:
            if char in BIDI_CONTROLS:
                return char
    return None


def bidi_errors(instance: models.Model, fields: Iterable[str] = NAME_FIELDS) -> dict[str, list[ValidationError]]:
    """{field: [error]} for each of `fields` of `instance` holding a bidirectional control character."""
    errors: dict[str, list[ValidationError]] = {}
    for name in fields:
        char = bidi_control_in(getattr(instance, name, None))
        if char is not None:
            label = instance._meta.get_field(name).verbose_name
            errors[name] = [
                ValidationError(
                    _(
                        "The %(field)s contains an invisible text-direction character (U+%(code)s), which makes "
                        "text display differently from what it is. Remove it and type the name again."
                    ),
                    code="bidi_control",
                    params={"field": label, "code": f"{ord(char):04X}"},
                )
            ]
    return errors


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
        errors = bidi_errors(self)
        if not (self.name_zh or "").strip() and not (self.name_en or "").strip():
            errors.setdefault("name_zh", []).append(
                ValidationError(_("Give a Chinese or an English name."), code="name_missing")
            )
        if errors:
            raise ValidationError(errors)

    @property
    def name(self) -> str:
        first, second = (self.name_zh, self.name_en) if prefers_chinese() else (self.name_en, self.name_zh)
        return first or second
