"""Names refuse bidirectional control characters (SPEC §12), on every path, naming the field:
the forms (exhibitions, organisers, brands, venues), the API and the import."""

import io

import pytest
from django.core.exceptions import ValidationError

from core.i18n import BIDI_CONTROLS, bidi_errors
from exhibitions.models import Brand, Exhibition, Organizer
from tests.exhibitions.test_import import ZH_HEADERS, csv_bytes, row, run_jobs
from tests.factories import VenueFactory, batch, city
from venues.models import City, Venue

pytestmark = pytest.mark.django_db

RLO = "\u202e"
EVERY = sorted(BIDI_CONTROLS)


def test_the_set_is_the_one_the_spec_names():
    expected = {chr(c) for c in range(0x202A, 0x202F)} | {chr(c) for c in range(0x2066, 0x206A)}
    assert expected | {"\u200e", "\u200f", "\u061c"} == BIDI_CONTROLS


@pytest.mark.parametrize("char", EVERY)
@pytest.mark.parametrize("field", ["name_zh", "name_en"])
def test_model_validation_names_the_field(char, field):
    venue = Venue(slug="hall", city=city("dalian"), name_zh="展馆", name_en="Hall")
    setattr(venue, field, f"大连{char}展馆")
    with pytest.raises(ValidationError) as raised:
        venue.full_clean()
    assert list(raised.value.message_dict) == [field]
    assert raised.value.error_dict[field][0].code == "bidi_control"


def test_the_message_names_the_field_in_both_languages():
    from django.utils import translation

    exhibition = Exhibition(name_zh="好", name_en=f"Fair{RLO}gpj.exe")
    with translation.override("en"):
        message = " ".join(bidi_errors(exhibition)["name_en"][0].messages)
        assert "name (English)" in message and "U+202E" in message
    with translation.override("zh-hans"):
        message = " ".join(bidi_errors(exhibition)["name_en"][0].messages)
        assert "名称（英文）" in message and "U+202E" in message, message


def test_ordinary_names_pass():
    assert bidi_errors(Exhibition(name_zh="大连国际汽车展 (2025)", name_en="Dalian Auto Show — 2025")) == {}


def form_data(venue, **overrides):
    data = {
        "name_zh": "表单测试展",
        "name_en": "Form Expo",
        "batch": batch("market").pk,
        "city": venue.city_id,
        "venue": venue.pk,
        "start_date": "2025-06-01",
        "end_date": "2025-06-03",
        "gross_area_m2": "20000",
        "status": "planned",
    }
    return {**data, **overrides}


@pytest.fixture
def venue(db):
    return VenueFactory(city=city("dalian"), indoor_area_m2=100_000, outdoor_area_m2=0)


@pytest.mark.parametrize("field", ["name_zh", "name_en"])
def test_the_exhibition_form(client, city_official, venue, field):
    client.force_login(city_official)
    response = client.post(
        "/exhibitions/new/", form_data(venue, **{field: f"展会{RLO}名称"}), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [e.code for e in errors[field]] == ["bidi_control"]
    label = "name (Chinese)" if field == "name_zh" else "name (English)"
    assert label in response.content.decode()
    assert not Exhibition.objects.exists()


@pytest.mark.parametrize(
    ("url", "data", "model"),
    [
        ("/exhibitions/organisers/new/", {"name_zh": f"主办{RLO}单位", "name_en": ""}, Organizer),
        ("/exhibitions/brands/new/", {"name_zh": "品牌", "name_en": "Brand\u2066x", "slug": "bidi-brand"}, Brand),
        (
            "/venues/new/",
            {"name_zh": "展馆\u200f", "name_en": "", "slug": "bidi-hall", "kind": "exhibition_centre"},
            Venue,
        ),
    ],
)
def test_the_reference_data_forms(client, staff_user, url, data, model):
    before = model.objects.count()
    client.force_login(staff_user)
    response = client.post(url, {**data, "city": city("dalian").pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    field = "name_zh" if any(c in BIDI_CONTROLS for c in data["name_zh"]) else "name_en"
    assert [e.code for e in response.context["form"].errors.as_data()[field]] == ["bidi_control"]
    assert model.objects.count() == before


def test_a_city_through_the_admin_model_validation():
    dalian = City.objects.get(slug="dalian")
    dalian.name_en = f"Dalian{RLO}"
    with pytest.raises(ValidationError) as raised:
        dalian.full_clean()
    assert "name_en" in raised.value.message_dict


def test_the_api(staff_user, venue):
    from tests.api.conftest import token_client

    body = {
        "name": f"展会{RLO}名称",
        "batch": "market",
        "venue": venue.pk,
        "start_date": "2025-05-01",
        "end_date": "2025-05-03",
        "gross_area_m2": 12_000,
    }
    response = token_client(staff_user).post("/api/v1/exhibitions/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert any("U+202E" in message for messages in fields.values() for message in messages), fields
    assert set(fields) <= {"name", "name_zh"}
    assert not Exhibition.objects.exists()


def test_the_import(client, staff_user, venue):
    client.force_login(staff_user)
    content = csv_bytes(
        ZH_HEADERS, [row("BD-1", f"好展{RLO}会", venue=venue.slug), row("BD-2", "好展会", venue=venue.slug)]
    )
    file = io.BytesIO(content)
    file.name = "bidi.csv"
    response = run_jobs(lambda: client.post("/exhibitions/import/", {"file": file}, HTTP_ACCEPT_LANGUAGE="en"))
    response = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    result = response.context["result"]
    errors = [str(e) for e in result.errors]
    assert len(errors) == 1, errors
    assert errors[0].startswith("row 2, Name (Chinese):") and "U+202E" in errors[0]
    assert not Exhibition.objects.exists()
