from django.views.generic import TemplateView

from core.views import WorkspaceMixin


class VenueListView(WorkspaceMixin, TemplateView):
    template_name = "core/home.html"
