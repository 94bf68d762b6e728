"""Exhibition pages. Views only parse requests and call selectors/services (the API does the same)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_htmx.http import HttpResponseClientRefresh

from core.audit import Action, Outcome, record
from core.forms import bootstrapify
from core.jobs import job_get
from core.models import Job
from core.roles import CHANGE, DELETE
from core.views import (
    ReferenceDetailView,
    ReferenceEditView,
    ReferenceListView,
    ReferenceViewMixin,
    WorkspaceMixin,
)
from core.writes import may
from exhibitions import exporting
from exhibitions import jobs as exhibition_jobs
from exhibitions.forms import BrandForm, DeleteForm, ExhibitionForm, ImportUploadForm, OrganizerForm
from exhibitions.history import field_changes, related_names
from exhibitions.models import Brand, Exhibition, Organizer
from exhibitions.reading import ImportFileError, check_upload
from exhibitions.selectors import (
    exhibition_count,
    exhibition_get,
    exhibition_history,
    exhibition_list,
    exhibition_list_key,
    exhibition_recent,
)
from exhibitions.services import (
    VersionConflict,
    brand_save,
    exhibition_create,
    exhibition_delete,
    exhibition_update,
    organizer_save,
)
from exhibitions.tables import EXHIBITION_COLUMNS, BrandTable, OrganizerTable, exhibition_ordering
from targets.selectors import data_state
from venues.selectors import venue_list

PER_PAGE = 50


def _add_validation_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


MAIN_FILTERS = ("search", "year", "month", "city", "batch", "status", "venue", "counts")


def _any_yes_no(form) -> None:
    """Yes/no filters read "any / yes / no" instead of django-filter's "unknown / yes / no"."""
    from django import forms

    for field in form.fields.values():
        if isinstance(field, forms.NullBooleanField):
            field.widget = forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))])


class ExhibitionListView(WorkspaceMixin, View):
    def get(self, request):
        filterset, queryset = exhibition_list(actor=request.user, filters=request.GET)
        _any_yes_no(filterset.form)
        bootstrapify(filterset.form)
        sort, ordering = exhibition_ordering(request.GET.get("sort"))
        state = data_state()
        paginator = ExhibitionPaginator(
            queryset.order_by(*ordering), PER_PAGE, total=exhibition_count(filterset=filterset, state=state)
        )
        page = paginator.get_page(request.GET.get("page"))  # the total is known: no query yet
        query = request.GET.copy()
        for key in ("page", "sort"):
            query.pop(key, None)
        return render(
            request,
            "exhibitions/list.html",
            {
                "filter": filterset,
                "main_filters": [filterset.form[name] for name in MAIN_FILTERS if name in filterset.form.fields],
                "more_filters": [f for f in filterset.form if f.name not in MAIN_FILTERS],
                "more_open": any(request.GET.get(f.name) for f in filterset.form if f.name not in MAIN_FILTERS),
                "page_obj": page,  # its rows are read only when the results fragment is not cached
                "results_key": exhibition_list_key(
                    queryset=paginator.object_list, page=page.number, state=state, links=request.GET.urlencode()
                ),
                "columns": _sort_headers(sort),
                "detail_prefix": reverse("exhibitions:list"),
                "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
                "ellipsis": paginator.ELLIPSIS,
                "total": paginator.count,
                "export_query": query.urlencode(),
                # The filter form's choices are reference data, which moves the data version.
                "filter_key": hashlib.sha256(f"{state}|{query.urlencode()}".encode()).hexdigest(),
                "can_add": self.role is not None,
                "can_import": self.is_staff_role,
            },
        )


class ExhibitionPaginator(Paginator):
    """A paginator whose total comes from `exhibition_count` (cached) instead of a COUNT of the page's
    query, which also joins every table the rows show."""

    def __init__(self, object_list, per_page, *, total: int):
        super().__init__(object_list, per_page)
        self.total = total

    @cached_property
    def count(self) -> int:
        return self.total


def _sort_headers(sort: str) -> list[dict]:
    """Each column's header: the sort its link asks for (ascending, or descending when it is the
    ascending sort now; the template's {% querystring %} keeps the filters) and `aria-sort`, which tells
    assistive technology the current order."""
    headers = []
    for column in EXHIBITION_COLUMNS:
        current = "ascending" if sort == column.key else "descending" if sort == f"-{column.key}" else None
        headers.append(
            {
                "label": column.label,
                "numeric": column.numeric,
                "aria_sort": current,
                "sort": f"-{column.key}" if current == "ascending" else column.key,
            }
        )
    return headers


class ExhibitionExportView(WorkspaceMixin, View):
    """The current filter as CSV or XLSX (headers equal the import headers).

    Up to EXPOPLAN_EXPORT_JOB_ROWS rows download at once (the CSV streamed); more become an export job
    whose page shows its progress and then the download link."""

    def get(self, request, fmt: str):
        if fmt not in ("csv", "xlsx"):
            raise Http404
        filterset, queryset = exhibition_list(actor=request.user, filters=request.GET)
        if filterset.errors:
            return HttpResponseBadRequest(_("Invalid filter: %(errors)s") % {"errors": filterset.errors.as_text()})
        rows = exporting.export_rows(queryset)
        name = f"exhibitions-{timezone.localtime().strftime('%Y%m%d-%H%M')}.{fmt}"
        count = rows.count()
        audit = {"format": fmt, "filter": request.GET.urlencode(), "rows": count, "file": name}
        if count > settings.EXPOPLAN_EXPORT_JOB_ROWS:
            job = exhibition_jobs.export_start(
                actor=request.user, fmt=fmt, query=request.GET.urlencode(), filename=name
            )
            record(Action.EXPORT, request=request, obj=job, detail=audit)
            return redirect("exhibitions:job", pk=job.pk)
        record(Action.EXPORT, request=request, object_type="exhibitions.exhibition", detail=audit)
        if fmt == "csv":
            response = StreamingHttpResponse(
                exporting.iter_csv(exporting.iterate(rows)), content_type=exporting.CSV_CONTENT_TYPE
            )
        else:
            response = HttpResponse(
                exporting.export_xlsx(exporting.iterate(rows)), content_type=exporting.XLSX_CONTENT_TYPE
            )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ExhibitionDetailView(WorkspaceMixin, View):
    def get(self, request, pk: int):
        from targets.rules import is_counted, rules_for

        exhibition = exhibition_get(actor=request.user, pk=pk)
        if exhibition is None:
            raise Http404
        rules = rules_for(exhibition.start_date.year)
        return render(
            request,
            "exhibitions/detail.html",
            {
                "exhibition": exhibition,
                "history": exhibition_history(exhibition=exhibition),
                "counts": is_counted(exhibition, rules),
                "rules": rules,
                "can_change": may(actor=request.user, model=Exhibition, action=CHANGE, pk=pk),
                "can_delete": may(actor=request.user, model=Exhibition, action=DELETE, pk=pk),
            },
        )


class ExhibitionCreateView(WorkspaceMixin, View):
    template_name = "exhibitions/form.html"

    def get(self, request):
        initial = {}
        for key in ("city", "venue", "start_date", "batch"):
            if request.GET.get(key):
                initial[key] = request.GET[key]
        form = ExhibitionForm(user=request.user, initial=initial)
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = ExhibitionForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                exhibition = exhibition_create(
                    actor=request.user,
                    data=form.service_data(),
                    confirm_over_capacity=form.cleaned_data.get("confirm_over_capacity", False),
                )
            except ValidationError as error:
                _add_validation_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error) or _("You may not save this exhibition."))
            else:
                messages.success(request, _("Exhibition “%(name)s” created.") % {"name": exhibition.name})
                return redirect("exhibitions:detail", pk=exhibition.pk)
        return render(request, self.template_name, {"form": form}, status=200)


class ExhibitionUpdateView(WorkspaceMixin, View):
    template_name = "exhibitions/form.html"

    def get_object(self, request, pk: int) -> Exhibition:
        exhibition = exhibition_get(actor=request.user, pk=pk)
        if exhibition is None:
            raise Http404
        if not may(actor=request.user, model=Exhibition, action=CHANGE, pk=pk):
            raise PermissionDenied
        return exhibition

    def get(self, request, pk: int):
        exhibition = self.get_object(request, pk)
        form = ExhibitionForm(instance=exhibition, user=request.user)
        return render(request, self.template_name, {"form": form, "exhibition": exhibition})

    def post(self, request, pk: int):
        exhibition = self.get_object(request, pk)
        form = ExhibitionForm(request.POST, instance=exhibition, user=request.user)
        conflict = None
        if form.is_valid():
            try:
                updated = exhibition_update(
                    actor=request.user,
                    exhibition=exhibition,
                    data=form.service_data(),
                    expected_version=form.cleaned_data.get("version"),
                    confirm_over_capacity=form.cleaned_data.get("confirm_over_capacity", False),
                )
            except VersionConflict as error:
                conflict = self._conflict(error, request, pk)
                # Keep the user's input; the next save is based on the version they have now seen.
                data = request.POST.copy()
                data["version"] = str(error.current.version)
                form = ExhibitionForm(data, instance=error.current, user=request.user)
                form.is_valid()
            except ValidationError as error:
                _add_validation_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error) or _("You may not save this exhibition."))
            except Exhibition.DoesNotExist:
                messages.error(request, _("This exhibition was deleted by somebody else in the meantime."))
                return redirect("exhibitions:list")
            else:
                messages.success(request, _("Exhibition “%(name)s” saved.") % {"name": updated.name})
                return redirect("exhibitions:detail", pk=updated.pk)
        status = 409 if conflict else 200
        return render(
            request,
            self.template_name,
            {"form": form, "exhibition": exhibition, "conflict": conflict},
            status=status,
        )

    @staticmethod
    def _conflict(error: VersionConflict, request, pk: int) -> dict:
        current = error.current
        base = current.history.filter(version=error.expected_version).order_by("-history_date").first()
        latest = current.history.order_by("-history_date").select_related("history_user").first()
        records = [r for r in (base, latest) if r is not None]
        names = related_names(records)
        return {
            "current": current,
            "expected_version": error.expected_version,
            "by": latest.history_user if latest else None,
            "when": latest.history_date if latest else None,
            "changes": field_changes(base, latest, names) if base and latest else [],
        }


class ExhibitionDeleteView(WorkspaceMixin, View):
    template_name = "exhibitions/delete.html"

    def get_object(self, request, pk: int) -> Exhibition:
        exhibition = exhibition_get(actor=request.user, pk=pk)
        if exhibition is None:
            raise Http404
        if not may(actor=request.user, model=Exhibition, action=DELETE, pk=pk):
            raise PermissionDenied
        return exhibition

    def get(self, request, pk: int):
        exhibition = self.get_object(request, pk)
        form = DeleteForm(initial={"version": exhibition.version})
        return render(request, self.template_name, {"form": form, "exhibition": exhibition})

    def post(self, request, pk: int):
        exhibition = self.get_object(request, pk)
        form = DeleteForm(request.POST)
        if form.is_valid():
            try:
                exhibition_delete(
                    actor=request.user, exhibition=exhibition, expected_version=form.cleaned_data["version"]
                )
            except VersionConflict:
                form.add_error(
                    None,
                    _(
                        "Somebody changed this exhibition after you opened this page. Check the changes, then delete again."
                    ),
                )
                exhibition.refresh_from_db()
                form = DeleteForm(initial={"version": exhibition.version})
                return render(
                    request, self.template_name, {"form": form, "exhibition": exhibition, "changed": True}, status=409
                )
            except PermissionDenied:
                raise
            except Exhibition.DoesNotExist:
                pass
            messages.success(request, _("Exhibition “%(name)s” deleted.") % {"name": exhibition.name})
            return redirect("exhibitions:list")
        return render(request, self.template_name, {"form": form, "exhibition": exhibition})


class VenueOptionsView(WorkspaceMixin, View):
    """htmx partial: the venue <option>s of the chosen city."""

    def get(self, request):
        city = request.GET.get("city") or ""
        venues = venue_list(actor=request.user, city_id=int(city))[1] if city.isdigit() else []
        return render(
            request, "exhibitions/_venue_options.html", {"venues": venues, "selected": request.GET.get("venue")}
        )


# --- import and jobs --------------------------------------------------------------------------------


def _import_context(**extra) -> dict:
    return {"form": ImportUploadForm(), "max_bytes": settings.EXPOPLAN_IMPORT_MAX_BYTES, **extra}


def _form_with_file_error(message: str) -> ImportUploadForm:
    """The upload form showing `message` at the file field (a file the import check could not read)."""
    form = ImportUploadForm(data={})
    form.errors["file"] = form.error_class([message])
    return form


class ImportView(WorkspaceMixin, View):
    """Upload → import check job (every row's errors) → confirm → import job (all rows in one
    transaction). Both jobs run in Celery (in-process without Redis); their page is JobView's."""

    staff_only = True
    template_name = "exhibitions/import.html"

    def get(self, request):
        return render(request, self.template_name, _import_context())

    def post(self, request):
        if request.POST.get("action") == "confirm":
            return self.confirm(request)
        form = ImportUploadForm(request.POST, request.FILES)
        context = _import_context(form=form)
        if not form.is_valid():
            return render(request, self.template_name, context, status=400)
        upload = form.cleaned_data["file"]
        # The cheap checks before anything is stored (the size; the kind of file; for an XLSX what its
        # zip and first sheet declare): a refused upload leaves no job and no file.
        if upload.size > settings.EXPOPLAN_IMPORT_MAX_BYTES:
            error = _("The file is %(size)s bytes; the limit is %(limit)s bytes. Split it into smaller files.") % {
                "size": f"{upload.size:,}",
                "limit": f"{settings.EXPOPLAN_IMPORT_MAX_BYTES:,}",
            }
        else:
            try:
                check_upload(upload, upload.name)
                error = None
            except ImportFileError as refused:
                error = str(refused)
        if error is not None:
            record(
                Action.IMPORT,
                request=request,
                outcome=Outcome.FAILURE,
                detail={"step": "check", "file": upload.name, "rows": 0, "errors": 1, "error": error},
            )
            form.add_error("file", error)
            return render(request, self.template_name, context, status=400)
        job = exhibition_jobs.import_preview_start(
            actor=request.user,
            upload=upload,
            confirm_over_capacity=bool(request.POST.get("confirm_over_capacity")),
            origin=exhibition_jobs.origin_of(request),
        )
        return redirect("exhibitions:job", pk=job.pk)

    def confirm(self, request):
        job = exhibition_jobs.import_confirm(
            actor=request.user, preview_id=request.POST.get("token", ""), origin=exhibition_jobs.origin_of(request)
        )
        if job is None:
            messages.error(request, _("This import preview has expired. Upload the file again."))
            return redirect("exhibitions:import")
        return redirect("exhibitions:job", pk=job.pk)


class JobView(WorkspaceMixin, View):
    """A job's page: its progress while it runs (polled by htmx, or reloaded without JavaScript), then
    its outcome: the import preview, the import's result, or the export's download link.

    Only the user who started the job sees it (404 for everyone else); import jobs need the staff role."""

    def get(self, request, pk):
        job = job_get(actor=request.user, pk=pk)
        if job is None:
            raise Http404
        is_import = job.kind in exhibition_jobs.IMPORT_KINDS
        if is_import and not self.is_staff_role:
            raise PermissionDenied
        if request.htmx:
            if job.finished:
                return HttpResponseClientRefresh()
            return render(request, "exhibitions/_job_progress.html", {"job": job})
        if is_import and job.kind == Job.Kind.IMPORT_COMMIT and job.status == Job.Status.SUCCEEDED:
            messages.success(
                request,
                _("Import finished: %(created)s created, %(updated)s updated.")
                % {"created": job.result.get("created", 0), "updated": job.result.get("updated", 0)},
            )
            return redirect("exhibitions:list")
        if is_import:
            return render(request, "exhibitions/import.html", self.import_context(job))
        return render(request, "exhibitions/export_job.html", {"job": job})

    @staticmethod
    def import_context(job: Job) -> dict:
        context = _import_context(job=job, filename=job.params.get("filename", ""), token="")
        if job.status == Job.Status.FAILED and (job.kind == Job.Kind.IMPORT_PREVIEW or job.result.get("file_error")):
            context["form"] = _form_with_file_error(job.error)
        elif job.status == Job.Status.FAILED and not job.result.get("rows"):
            context["job_error"] = job.error
        elif job.finished:
            result = exhibition_jobs.ImportSummary.from_json(job.result)
            context["result"] = result
            imported_by = job.result.get("imported_by")
            context["imported_by"] = imported_by
            if job.kind == Job.Kind.IMPORT_PREVIEW and result.ok and result.rows and not imported_by:
                context["token"] = str(job.pk)
        return context


class JobDownloadView(WorkspaceMixin, View):
    """The result file of a finished job, for the user who started it only (404 for everyone else)."""

    def get(self, request, pk):
        job = job_get(actor=request.user, pk=pk)
        if job is None or job.status != Job.Status.SUCCEEDED or not job.file:
            raise Http404
        try:
            handle = job.file.open("rb")
        except OSError:  # the file was cleaned away
            raise Http404 from None
        content_type = exporting.CSV_CONTENT_TYPE if job.kind == Job.Kind.EXPORT_CSV else exporting.XLSX_CONTENT_TYPE
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=job.result.get("filename") or job.file.name.rsplit("/", 1)[-1],
            content_type=content_type,
        )
        return response


class ImportTemplateView(WorkspaceMixin, View):
    staff_only = True

    def get(self, request, fmt: str):
        if fmt == "xlsx":
            response = HttpResponse(
                exporting.template_xlsx(),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        elif fmt == "csv":
            response = HttpResponse(exporting.template_csv(), content_type="text/csv; charset=utf-8")
        else:
            raise Http404
        response["Content-Disposition"] = f'attachment; filename="expoplan-import-template.{fmt}"'
        return response


# --- organisers and brands -------------------------------------------------------------------------


class OrganizerMixin(ReferenceViewMixin):
    model = Organizer
    table_class = OrganizerTable
    form_class = OrganizerForm
    list_select_related = ("city",)
    detail_fields = ("name_zh", "name_en", "city", "website", "contact", "notes")
    url_names = {
        "list": "exhibitions:organizer_list",
        "detail": "exhibitions:organizer_detail",
        "edit": "exhibitions:organizer_edit",
        "create": "exhibitions:organizer_create",
    }
    title = gettext_lazy("Organiser")
    title_plural = gettext_lazy("Organisers")

    def save(self, *, actor, instance, data):
        return organizer_save(actor=actor, organizer=instance, data=data)


class OrganizerListView(OrganizerMixin, ReferenceListView):
    pass


class OrganizerDetailView(OrganizerMixin, ReferenceDetailView):
    def extra(self, obj) -> dict:
        return {"exhibitions": exhibition_recent(actor=self.request.user, organizer=obj)}


class OrganizerEditView(OrganizerMixin, ReferenceEditView):
    pass


class BrandMixin(ReferenceViewMixin):
    model = Brand
    table_class = BrandTable
    form_class = BrandForm
    list_select_related = ("city", "batch")
    search_fields = ("name_zh__icontains", "name_en__icontains", "slug__icontains")
    detail_fields = (
        "name_zh",
        "name_en",
        "slug",
        "city",
        "batch",
        "origin",
        "is_flagship",
        "typical_gross_area_m2",
        "typical_month",
        "source",
        "notes",
    )
    url_names = {
        "list": "exhibitions:brand_list",
        "detail": "exhibitions:brand_detail",
        "edit": "exhibitions:brand_edit",
        "create": "exhibitions:brand_create",
    }
    title = gettext_lazy("Brand")
    title_plural = gettext_lazy("Brands")

    def save(self, *, actor, instance, data):
        return brand_save(actor=actor, brand=instance, data=data)


class BrandListView(BrandMixin, ReferenceListView):
    pass


class BrandDetailView(BrandMixin, ReferenceDetailView):
    def extra(self, obj) -> dict:
        return {"exhibitions": exhibition_recent(actor=self.request.user, brand=obj)}


class BrandEditView(BrandMixin, ReferenceEditView):
    pass
