"""GET /api/v1/audit-events/ and /api/v1/audit-events/{id}/: the audit log, read by the audit
administrator only (SPEC §12); every other role 403 (itself audited), anonymous 401.

The filters are the /audit/ page's (core.audit_filters.AuditEventFilterSet); rows come newest first,
paginated as every list.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import permissions, serializers, viewsets

from core.api.conditional import ConditionalReadMixin
from core.api.views import ApiViewMixin
from core.audit_filters import ORDERING, AuditEventFilterSet
from core.models import AuditEvent
from core.roles import AdminRole, admin_role_of


class IsAuditor(permissions.BasePermission):
    """Signed in as the audit administrator. Anonymous requests answer 401, everybody else 403."""

    message = _("Only the audit administrator may read the audit log.")

    def has_permission(self, request, view) -> bool:
        return admin_role_of(request.user) == AdminRole.AUDITOR


class AuditEventSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True, help_text=_("Event id (ascending in the order written)."))
    at = serializers.DateTimeField(read_only=True, help_text=_("When it happened (ISO 8601 with offset)."))
    username = serializers.CharField(
        read_only=True, help_text=_("The user's name (empty when nobody was signed in or named).")
    )
    role = serializers.CharField(
        read_only=True,
        help_text=_(
            "The user's role at the time: staff, city_official, api_client, sysadmin, secadmin, auditor, or empty."
        ),
    )
    address = serializers.IPAddressField(
        read_only=True, allow_null=True, help_text=_("The client's IP address, or null.")
    )
    user_agent = serializers.CharField(read_only=True, help_text=_("The client's User-Agent header (shortened)."))
    action = serializers.ChoiceField(choices=AuditEvent.Action.choices, read_only=True, help_text=_("What was done."))
    object_type = serializers.CharField(
        read_only=True, help_text=_("The object's model, e.g. venues.venue or auth.user (empty: none).")
    )
    object_id = serializers.CharField(read_only=True, help_text=_("The object's id (empty: none)."))
    object_repr = serializers.CharField(read_only=True, help_text=_("The object's name at the time."))
    outcome = serializers.ChoiceField(
        choices=AuditEvent.Outcome.choices, read_only=True, help_text=_("success, failure or denied.")
    )
    detail = serializers.DictField(read_only=True, help_text=_("Further facts of the event (JSON object)."))

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "username",
            "role",
            "address",
            "user_agent",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "outcome",
            "detail",
        ]
        read_only_fields = fields


class AuditEventViewSet(ApiViewMixin, ConditionalReadMixin, viewsets.ReadOnlyModelViewSet):
    """The audit log: the audit administrator only; newest first, with the filters of the /audit/ page."""

    serializer_class = AuditEventSerializer
    permission_classes = [IsAuditor]
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditEventFilterSet
    queryset = AuditEvent.objects.order_by(*ORDERING)
