"""One write path for reference data (venues, organisers, brands, targets): apply, validate, save,
then re-check inside the transaction that the saved row is within the actor's scope (`for_user`).
The change history (django-simple-history) records the actor as who made the change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models.query import EmptyQuerySet
from django.utils.translation import gettext_lazy as _

from core.roles import ADD, CHANGE

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NOT_ALLOWED = _("Only provincial staff may change reference data.")

M = TypeVar("M", bound=models.Model)


def may(*, actor: User, model: type[models.Model], action: str, pk: Any = None) -> bool:
    """Whether `actor` may do `action` on the row `pk` of `model` (pk None: on any row, e.g. add one).

    The answer comes from the one scoping rule, `model.objects.for_user(actor, action)`.
    """
    queryset = model.objects.for_user(actor, action)  # type: ignore[attr-defined]
    if pk is None:
        return not isinstance(queryset, EmptyQuerySet)
    return queryset.filter(pk=pk).exists()


def require(*, actor: User, model: type[models.Model], action: str, pk: Any = None) -> None:
    """PermissionDenied unless `may(...)`."""
    if not may(actor=actor, model=model, action=action, pk=pk):
        raise PermissionDenied(NOT_ALLOWED)


def history_by(instance: models.Model, actor: User | None) -> None:
    """Name `actor` as the author of the history record that saving or deleting `instance` writes
    (django-simple-history reads `_history_user`; without it, the request's user, if any)."""
    instance._history_user = actor if getattr(actor, "pk", None) else None  # type: ignore[attr-defined]


def reference_save(*, actor: User, instance: M, data: dict[str, Any]) -> M:
    """Create (instance without pk) or update `instance` with `data` (field names → values)."""
    model = type(instance)
    action = CHANGE if instance.pk else ADD
    with transaction.atomic():
        require(actor=actor, model=model, action=action, pk=instance.pk)
        for name, value in data.items():
            setattr(instance, name, value)
        instance.full_clean()
        history_by(instance, actor)
        instance.save()
        require(actor=actor, model=model, action=action, pk=instance.pk)
    return instance
