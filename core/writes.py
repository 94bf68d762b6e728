"""One write path for reference data (venues, organisers, brands, targets): apply, validate, save,
then re-check inside the transaction that the saved row is within the actor's scope (`for_user`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from core.roles import ADD, CHANGE

NOT_ALLOWED = _("Only provincial staff may change reference data.")


def reference_save(*, actor, instance: models.Model, data: dict[str, Any]) -> models.Model:
    """Create (instance without pk) or update `instance` with `data` (field names → values)."""
    model = type(instance)
    action = CHANGE if instance.pk else ADD
    with transaction.atomic():
        if instance.pk and not model.objects.for_user(actor, CHANGE).filter(pk=instance.pk).exists():
            raise PermissionDenied(NOT_ALLOWED)
        for name, value in data.items():
            setattr(instance, name, value)
        instance.full_clean()
        instance.save()
        if not model.objects.for_user(actor, action).filter(pk=instance.pk).exists():
            raise PermissionDenied(NOT_ALLOWED)
    return instance
