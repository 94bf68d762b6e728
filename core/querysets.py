from django.db import models


class ReferenceQuerySet(models.QuerySet):
    """Reference data (venues, organisers, brands, targets): every role reads, staff writes."""

    def for_user(self, user, action: str = "view") -> "ReferenceQuerySet":
        from core.roles import scope_reference_data

        return scope_reference_data(self, user, action)
