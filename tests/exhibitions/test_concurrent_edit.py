"""Optimistic locking: two people open one version, both save; the second sees the first's change
field by field and keeps their own input; nothing is lost."""

import pytest

from core.roles import Role
from core.services import user_set_role
from exhibitions.models import Exhibition
from tests.factories import ExhibitionFactory

pytestmark = pytest.mark.django_db


def edit_data(exhibition, **changes):
    data = {
        "name_zh": exhibition.name_zh,
        "name_en": exhibition.name_en,
        "batch": exhibition.batch_id,
        "city": exhibition.city_id,
        "venue": exhibition.venue_id,
        "start_date": exhibition.start_date.isoformat(),
        "end_date": exhibition.end_date.isoformat(),
        "gross_area_m2": exhibition.gross_area_m2,
        "status": exhibition.status,
        "version": exhibition.version,
    }
    data.update(changes)
    return data


def test_second_save_gets_conflict_and_loses_nothing(client, staff_user):
    other = user_set_role(username="colleague", role=Role.STAFF, password="Pw-for-tests-123")
    exhibition = ExhibitionFactory(gross_area_m2=20_000, name_en="Original")
    url = f"/exhibitions/{exhibition.pk}/edit/"

    # Both open the form on version 1.
    client.force_login(staff_user)
    assert client.get(url).context["form"]["version"].value() == 1
    first = edit_data(exhibition, gross_area_m2=25_000)
    second = edit_data(exhibition, name_en="Renamed by me")

    client.force_login(other)
    assert client.post(url, first).status_code == 302  # the colleague saves first
    exhibition.refresh_from_db()
    assert exhibition.version == 2 and exhibition.gross_area_m2 == 25_000

    client.force_login(staff_user)
    response = client.post(url, second)
    assert response.status_code == 409
    html = response.content.decode()
    conflict = response.context["conflict"]
    assert conflict["by"] == other
    assert [c["field"] for c in conflict["changes"]] == ["gross_area_m2"]
    assert conflict["changes"][0]["old"] == "20000" and conflict["changes"][0]["new"] == "25000"
    assert 'id="version-conflict"' in html
    # My input is still in the form; the hidden version now points at what I have seen.
    form = response.context["form"]
    assert form["name_en"].value() == "Renamed by me"
    assert str(form["version"].value()) == "2"
    exhibition.refresh_from_db()
    assert exhibition.name_en == "Original"  # not silently overwritten

    # Saving again (after seeing their change) keeps both: their area, my name.
    resubmit = {**second, "version": 2, "gross_area_m2": 25_000}
    assert client.post(url, resubmit).status_code == 302
    exhibition.refresh_from_db()
    assert (exhibition.version, exhibition.name_en, exhibition.gross_area_m2) == (3, "Renamed by me", 25_000)
    assert exhibition.history.count() == 3


def test_delete_of_changed_version_is_refused(client, staff_user):
    exhibition = ExhibitionFactory()
    client.force_login(staff_user)
    Exhibition.objects.filter(pk=exhibition.pk).update(version=2)
    response = client.post(f"/exhibitions/{exhibition.pk}/delete/", {"version": 1, "confirm": "on"})
    assert response.status_code == 409
    assert Exhibition.objects.filter(pk=exhibition.pk).exists()
    response = client.post(f"/exhibitions/{exhibition.pk}/delete/", {"version": 2, "confirm": "on"})
    assert response.status_code == 302
    assert not Exhibition.objects.filter(pk=exhibition.pk).exists()
    assert Exhibition.history.filter(id=exhibition.pk, history_type="-", history_user=staff_user).exists()


def test_delete_requires_confirmation(client, staff_user):
    exhibition = ExhibitionFactory()
    client.force_login(staff_user)
    response = client.post(f"/exhibitions/{exhibition.pk}/delete/", {"version": 1})
    assert response.status_code == 200
    assert "confirm" in response.context["form"].errors
    assert Exhibition.objects.filter(pk=exhibition.pk).exists()
