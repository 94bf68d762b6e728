from django.views.generic import TemplateView

from core.views import WorkspaceMixin


class ExhibitionListView(WorkspaceMixin, TemplateView):
    template_name = "core/home.html"


class ImportView(WorkspaceMixin, TemplateView):
    staff_only = True
    template_name = "core/home.html"


class OrganizerListView(WorkspaceMixin, TemplateView):
    template_name = "core/home.html"


class BrandListView(WorkspaceMixin, TemplateView):
    template_name = "core/home.html"
