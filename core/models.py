import uuid

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class UserProfile(models.Model):
    """Links a user to a city. City officials must have one; staff may leave it empty."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="profile"
    )
    city = models.ForeignKey(
        "venues.City", verbose_name=_("city"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.city or '-'})"


class Session(AbstractBaseSession):
    """A browser session (Django's database session) naming its signed-in user, so that the admin can
    list a user's sessions and end them. Deleting a user deletes their sessions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls):
        return import_string(f"{settings.SESSION_ENGINE}.SessionStore")


def job_file_path(job: "Job", filename: str) -> str:
    """jobs/<job id>/<name>: a job's input and result files live together and go together."""
    return f"jobs/{job.pk}/{filename}"


class Job(models.Model):
    """Long user-visible work (imports, large exports) run by a Celery task (core/jobs.py, core/tasks.py).

    Only the user who started a job sees it (core.jobs.job_get); the page polls its progress.
    """

    class Kind(models.TextChoices):
        IMPORT_PREVIEW = "import_preview", _("import check")
        IMPORT_COMMIT = "import_commit", _("import")
        EXPORT_CSV = "export_csv", _("CSV export")
        EXPORT_XLSX = "export_xlsx", _("Excel export")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    input_file = models.FileField(_("input file"), upload_to=job_file_path, max_length=200, blank=True)
    file = models.FileField(_("result file"), upload_to=job_file_path, max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="core_job_owner_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)


class AuditEvent(models.Model):
    """One security-relevant event (SPEC §12): who, from where, did what to which object, with what outcome.

    Append-only: on PostgreSQL a trigger (migration core.0005) refuses every UPDATE, and every DELETE of
    a row younger than 180 days; `manage.py prune_audit` removes older rows and is itself audited.
    The user is kept by id and name, not a foreign key, so that deleting an account changes no row.
    Written only through `core.audit.record`.
    """

    class Action(models.TextChoices):
        SIGN_IN = "sign_in", _("signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("sign-in failed")
        LOCKED_OUT = "locked_out", _("locked out")
        UNLOCKED = "unlocked", _("unlocked")
        SIGN_OUT = "sign_out", _("signed out")
        SESSION_ENDED = "session_ended", _("session ended")
        PASSWORD_CHANGED = "password_changed", _("password changed")
        TWO_FACTOR_CHANGED = "two_factor_changed", _("two-factor sign-in changed")
        TWO_FACTOR_FAILED = "two_factor_failed", _("two-factor code refused")
        ACCOUNT_CREATED = "account_created", _("account created")
        ACCOUNT_CHANGED = "account_changed", _("account changed")
        ROLE_CHANGED = "role_changed", _("role changed")
        PERMISSION_DENIED = "permission_denied", _("permission denied")
        EXPORT = "export", _("export")
        IMPORT = "import", _("import")
        REPORT_DOWNLOAD = "report_download", _("report downloaded")
        TOKEN_ISSUED = "token_issued", _("token issued")
        TOKEN_REVOKED = "token_revoked", _("token revoked")
        PERIOD_CLOSED = "period_closed", _("period closed")
        PERIOD_REOPENED = "period_reopened", _("period reopened")
        REVIEW_DECISION = "review_decision", _("review decision")
        RESTATEMENT = "restatement", _("restatement")
        AUDIT_EXPORTED = "audit_exported", _("audit log exported")
        AUDIT_PRUNED = "audit_pruned", _("audit log pruned")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("success")
        FAILURE = "failure", _("failure")
        DENIED = "denied", _("denied")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user_id = models.BigIntegerField(_("user id"), null=True, blank=True, db_index=True)
    username = models.CharField(_("user"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["-at", "-id"], name="core_audit_at_id")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action} {self.outcome}"


class PasswordHistory(models.Model):
    """The hashes of a user's recent passwords (no reuse of the last EXPOPLAN_PASSWORD_HISTORY) and when
    each was set (expiry after EXPOPLAN_PASSWORD_MAX_AGE_DAYS). Written by core.passwords."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    password = models.CharField(_("password hash"), max_length=128)
    set_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("password history")
        verbose_name_plural = _("password histories")
        ordering = ["-set_at", "-id"]
        indexes = [models.Index(fields=["user", "-set_at"], name="core_pwhist_user_set")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.set_at:%Y-%m-%d}"
