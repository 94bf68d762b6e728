"""The Django admin serves every model: changelist (with filters and search) and add form."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.factories import ExhibitionFactory

pytestmark = pytest.mark.django_db

DOMAIN_APPS = {"core", "venues", "exhibitions", "targets"}
NOT_IN_ADMIN = {  # model name: why
    "HistoricalExhibition": "shown as each exhibition's history page",
    "HistoricalVenue": "shown on each venue's page and its admin history",
    "HistoricalOrganizer": "shown on each organiser's page and its admin history",
    "HistoricalBrand": "shown on each brand's page and its admin history",
    "HistoricalTarget": "shown on each target's page and its admin history",
    "HistoricalCityAllocation": "shown on its target's page and its admin history",
    "ProgressSnapshot": "derived figures, recomputed and never edited",
    "ProgressDataMark": "the recompute's own bookkeeping",
    "AuditEvent": "append-only; read by the audit administrator at /audit/",
    "PasswordHistory": "password hashes, never shown",
    "Session": "would show session keys in its URLs; the security administrator ends sessions at /security/",
    "UserProfile": "a city official's city, set with the role on the user's admin page (core.services.user_set_role)",
}


@pytest.fixture
def superuser_client(client, django_user_model, password):
    user = django_user_model.objects.create_superuser("root", "root@example.invalid", password)
    client.force_login(user)
    return client


def registered():
    return [m for m in admin.site._registry if m._meta.app_label in DOMAIN_APPS]


def test_every_domain_model_is_in_the_admin():
    models = [model for label in DOMAIN_APPS for model in apps.get_app_config(label).get_models()]
    missing = {model.__name__ for model in models if not admin.site.is_registered(model)} - set(NOT_IN_ADMIN)
    assert not missing, f"register these models in the admin, or say in NOT_IN_ADMIN why not: {missing}"


@pytest.mark.parametrize("model", registered(), ids=lambda m: m.__name__)
def test_changelist_search_and_add_pages(superuser_client, model):
    ExhibitionFactory()
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert superuser_client.get(changelist).status_code == 200
    assert superuser_client.get(changelist, {"q": "沈阳"}).status_code == 200
    add = superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code == (403 if model.__name__ in {"Session", "Job"} else 200)  # from sign-ins, from pages


def test_exhibition_history_and_autocomplete(superuser_client):
    exhibition = ExhibitionFactory()
    assert (
        superuser_client.get(reverse("admin:exhibitions_exhibition_history", args=[exhibition.pk])).status_code == 200
    )
    response = superuser_client.get(
        reverse("admin:autocomplete"),
        {"term": "沈阳", "app_label": "exhibitions", "model_name": "exhibition", "field_name": "venue"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("role", "gets_in"), [("staff", True), ("city_official", False), ("api_client", False), ("anonymous", False)]
)
def test_only_provincial_staff_use_the_admin(client, role_users, role, gets_in):
    """The programme's data: only staff (the administrators' own pages: tests/core/test_admin_roles.py)."""
    if role_users[role] is not None:
        client.force_login(role_users[role])
    response = client.get(reverse("admin:exhibitions_exhibition_changelist"))
    if gets_in:
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
