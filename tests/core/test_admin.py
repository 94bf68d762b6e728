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


def test_sessions_are_listed_and_deleting_one_signs_that_browser_out(client, staff_user, sign_in):
    """The security administrator's page (SPEC §5: ending sessions)."""
    from django.test import Client

    from core.models import Session
    from core.roles import AdminRole
    from core.services import user_set_role

    sign_in(client, staff_user)
    session = Session.objects.get(user=staff_user)
    superuser_client = Client()
    superuser_client.force_login(user_set_role(username="sec", role=AdminRole.SECADMIN))
    listing = superuser_client.get(reverse("admin:core_session_changelist"), {"q": "staff"})
    assert listing.status_code == 200 and b"staff" in listing.content
    detail = superuser_client.get(reverse("admin:core_session_change", args=[session.pk]))
    assert detail.status_code == 200 and session.session_data.encode() not in detail.content  # never shown
    response = superuser_client.post(reverse("admin:core_session_delete", args=[session.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert client.get("/exhibitions/").status_code == 302  # signed out


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
    if role_users[role] is not None:
        client.force_login(role_users[role])
    response = client.get(reverse("admin:exhibitions_exhibition_changelist"))
    if gets_in:
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
