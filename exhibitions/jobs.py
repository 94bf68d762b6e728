"""The exhibition jobs (core/jobs.py runs them): import check, import, large exports.

Each work function takes the job and a progress callback and returns the job's result summary (JSON);
expected failures raise JobError with the message the user sees. They only call the import
(exhibitions.importing), the exports (exhibitions.exporting) and the selectors, as the views did.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.audit import Action, Outcome, client_address, record
from core.jobs import JobError, Progress, job_create, job_delete_files
from core.models import Job
from exhibitions import exporting, importing
from exhibitions.selectors import exhibition_list

if TYPE_CHECKING:
    from django.contrib.auth.models import User

IMPORT_KINDS = (Job.Kind.IMPORT_PREVIEW, Job.Kind.IMPORT_COMMIT)
EXPORT_KINDS = (Job.Kind.EXPORT_CSV, Job.Kind.EXPORT_XLSX)


# --- the import's result as stored on the job ------------------------------------------------------


@dataclass
class ImportSummary:
    """An import's outcome read back from a job's result (what importing.ImportResult was to the page)."""

    created: int = 0
    updated: int = 0
    errors: list[importing.RowError] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # {"row", "action", "name", "errors": [RowError]}
    ignored_headers: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @classmethod
    def from_json(cls, data: dict) -> ImportSummary:
        def error(item: dict) -> importing.RowError:
            return importing.RowError(row=item["row"], column=item["column"], message=item["message"])

        return cls(
            created=data.get("created", 0),
            updated=data.get("updated", 0),
            errors=[error(e) for e in data.get("errors", [])],
            rows=[{**r, "errors": [error(e) for e in r.get("errors", [])]} for r in data.get("rows", [])],
            ignored_headers=list(data.get("ignored_headers", [])),
            committed=bool(data.get("committed")),
        )


def _summary(result: importing.ImportResult, parsed: importing.ParsedFile) -> dict[str, Any]:
    def error(e: importing.RowError) -> dict:
        return {"row": e.row, "column": str(e.column), "message": str(e.message)}

    return {
        "ok": result.ok,
        "created": result.created,
        "updated": result.updated,
        "committed": result.committed,
        "errors": [error(e) for e in result.errors],
        "rows": [
            {"row": r["row"], "action": r["action"], "name": r["name"], "errors": [error(e) for e in r["errors"]]}
            for r in result.rows
        ],
        "ignored_headers": list(parsed.ignored_headers),
        "versions": {str(pk): version for pk, version in result.versions.items()},
    }


def _run_import(
    job: Job, upload: Job, *, progress: Progress, dry_run: bool, **extra: Any
) -> tuple[importing.ParsedFile, importing.ImportResult]:
    """`upload`'s file parsed and imported (checked only, with `dry_run`) as `job`'s owner, with the
    choices made when it was uploaded (capacity confirmation, file name)."""
    if not upload.input_file or not upload.input_file.storage.exists(upload.input_file.name):
        raise JobError(_("This import preview has expired. Upload the file again."))
    filename = upload.params.get("filename", "")
    try:
        with upload.input_file.open("rb") as handle:  # read as a stream, within the import's limits
            parsed = importing.parse_file(handle, filename)
    except importing.ImportFileError as error:
        raise JobError(str(error), result={"file_error": True}) from error
    progress(0, len(parsed.rows))
    result = importing.run_import(
        actor=job.created_by,
        parsed=parsed,
        dry_run=dry_run,
        confirm_over_capacity=bool(upload.params.get("confirm_over_capacity")),
        filename=filename,
        progress=progress,
        **extra,
    )
    return parsed, result


# --- work functions ---------------------------------------------------------------------------------


def _drop_input(job: Job) -> None:
    """The job's upload (and its folder) removed: nothing of a file that will not be imported is kept."""
    job_delete_files(job)
    job.input_file = ""


class _Origin:
    """The request that started a job, as core.audit.record reads one: the worker writes the job's
    audit event with the address and user agent of the upload, not its own."""

    def __init__(self, job: Job):
        origin = job.params.get("origin") or {}
        self.user = job.created_by
        self.META = {"REMOTE_ADDR": origin.get("address") or "", "HTTP_USER_AGENT": origin.get("user_agent", "")}


def origin_of(request) -> dict[str, str]:
    """What _Origin needs of the request starting a job (kept in the job's params)."""
    return {"address": client_address(request) or "", "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300]}


def _audit_import(job: Job, *, step: str, outcome: str, detail: dict[str, Any]) -> None:
    record(
        Action.IMPORT,
        request=_Origin(job),
        obj=job,
        outcome=outcome,
        detail={"step": step, "file": job.params.get("filename", ""), **detail},
    )


def import_preview(*, job: Job, progress: Progress) -> dict[str, Any]:
    """Read the uploaded file and check every row (a dry run: nothing is written). The upload is kept
    only when it may be imported (no problems, some rows)."""
    try:
        parsed, result = _run_import(job, job, progress=progress, dry_run=True)
    except JobError as error:
        _drop_input(job)
        _audit_import(job, step="check", outcome=Outcome.FAILURE, detail={"rows": 0, "errors": 1, "error": str(error)})
        raise
    except Exception:
        _drop_input(job)
        raise
    if not (result.ok and parsed.rows):
        _drop_input(job)
    _audit_import(
        job,
        step="check",
        outcome=Outcome.SUCCESS if result.ok else Outcome.FAILURE,
        detail={"rows": len(parsed.rows), "errors": len(result.errors)},
    )
    return _summary(result, parsed)


def import_commit(*, job: Job, progress: Progress) -> dict[str, Any]:
    """Import the previewed file: every row in one transaction, or none (refusing rows changed since)."""
    preview = Job.objects.filter(pk=job.params.get("preview"), created_by=job.created_by).first()
    if preview is None:
        raise JobError(_("This import preview has expired. Upload the file again."))
    try:
        parsed, result = _run_import(
            job,
            preview,
            progress=progress,
            dry_run=False,
            expected_versions={int(pk): v for pk, v in (preview.result.get("versions") or {}).items()},
        )
    except JobError as error:
        _audit_import(job, step="commit", outcome=Outcome.FAILURE, detail={"rows": 0, "errors": 1, "error": str(error)})
        raise
    finally:  # a preview is imported once: its file goes either way
        if preview.input_file:
            job_delete_files(preview)
            Job.objects.filter(pk=preview.pk).update(input_file="")
    summary = _summary(result, parsed)
    _audit_import(
        job,
        step="commit",
        outcome=Outcome.SUCCESS if result.committed else Outcome.FAILURE,
        detail={
            "rows": len(parsed.rows),
            "errors": len(result.errors),
            "created": result.created if result.committed else 0,
            "updated": result.updated if result.committed else 0,
        },
    )
    if not result.committed:
        count = len(result.errors)
        raise JobError(
            ngettext(
                "%(count)s problem found — nothing was imported.",
                "%(count)s problems found — nothing was imported.",
                count,
            )
            % {"count": count},
            result=summary,
        )
    return summary


def export(*, job: Job, progress: Progress) -> dict[str, Any]:
    """The export of the filter the user had (their scope now), written to the job's file."""
    filterset, queryset = exhibition_list(actor=job.created_by, filters=QueryDict(job.params.get("query", "")))
    if filterset.errors:
        raise JobError(_("Invalid filter: %(errors)s") % {"errors": filterset.errors.as_text()})
    rows = exporting.export_rows(queryset)
    total = rows.count()
    progress(0, total)
    name = job.params.get("filename") or "exhibitions"
    with tempfile.TemporaryFile() as handle:
        if job.kind == Job.Kind.EXPORT_CSV:
            for chunk in exporting.iter_csv(exporting.iterate(rows), progress=progress, total=total):
                handle.write(chunk)
        else:
            exporting.write_xlsx(exporting.iterate(rows), handle, progress=progress, total=total)
        handle.seek(0)
        job.file.save(name, File(handle), save=False)
    return {"rows": total, "filename": name, "size": job.file.size}


# --- starting jobs ----------------------------------------------------------------------------------


def import_preview_start(
    *, actor: User, upload: File, confirm_over_capacity: bool, origin: dict[str, str] | None = None
) -> Job:
    name = upload.name or "upload"
    return job_create(
        actor=actor,
        kind=Job.Kind.IMPORT_PREVIEW,
        params={"filename": name, "confirm_over_capacity": confirm_over_capacity, "origin": origin or {}},
        input_file=upload,
        input_name="upload" + (".xlsx" if name.lower().endswith((".xlsx", ".xlsm")) else ".csv"),
    )


def import_confirm(*, actor: User, preview_id: UUID | str, origin: dict[str, str] | None = None) -> Job | None:
    """Start importing a successful preview of `actor`'s; None when the preview is unknown, not theirs,
    has problems, expired, or was already imported (each preview is imported at most once)."""
    try:
        preview_id = UUID(str(preview_id))
    except ValueError:
        return None
    fresh = timezone.now() - timedelta(hours=settings.EXPOPLAN_JOB_KEEP_HOURS)
    with transaction.atomic():
        preview = (
            Job.objects.select_for_update()
            .filter(
                pk=preview_id,
                created_by=actor,
                kind=Job.Kind.IMPORT_PREVIEW,
                status=Job.Status.SUCCEEDED,
                created_at__gte=fresh,
            )
            .first()
        )
        if (
            preview is None
            or not preview.result.get("ok")
            or not preview.result.get("rows")
            or preview.result.get("imported_by")
            or not preview.input_file
            or not preview.input_file.storage.exists(preview.input_file.name)
        ):
            return None
        commit = job_create(
            actor=actor,
            kind=Job.Kind.IMPORT_COMMIT,
            params={
                "preview": str(preview.pk),
                "filename": preview.params.get("filename", ""),
                "origin": origin or {},
            },
        )
        preview.result = {**preview.result, "imported_by": str(commit.pk)}
        preview.save(update_fields=["result"])
    return commit


def export_start(*, actor: User, fmt: str, query: str, filename: str) -> Job:
    kind = Job.Kind.EXPORT_CSV if fmt == "csv" else Job.Kind.EXPORT_XLSX
    return job_create(actor=actor, kind=kind, params={"query": query, "filename": filename})
