from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class ReferenceQuerySet(models.QuerySet):
    """Reference data (cities, batches, venues, organisers, brands, targets): every role reads, staff writes."""

    def for_user(self, user: User, action: str = "view") -> ReferenceQuerySet:
        from core.roles import scope_reference_data

        return scope_reference_data(self, user, action)
