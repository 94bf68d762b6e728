"""OpenAPI: the committed docs/openapi.yaml is exactly what /api/schema/ serves (and what `make schema`
writes); valid; English by default; every field documented, typed and required as the responses are;
every status code declared; every row of a seeded database conforms; interactive docs served locally."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker
from packaging.version import Version

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
REGENERATE = "make schema"


def committed() -> dict:
    return yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))


def _generate(tmp_path: Path) -> str:
    """What `make schema` runs (manage.py spectacular, English, validated, warnings fatal)."""
    out = tmp_path / "openapi.yaml"
    call_command("spectacular", "--lang", "en", "--validate", "--fail-on-warn", "--file", str(out))
    return out.read_text(encoding="utf-8")


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


# --- the committed file is the served schema ------------------------------------------------------------


def test_committed_schema_is_the_served_schema(client, api_client_user):
    client.force_login(api_client_user)
    served = client.get("/api/schema/")  # no Accept-Language, no ?lang=: English
    assert served.status_code == 200
    assert served["Content-Language"] == "en"
    assert served.content.decode() == COMMITTED.read_text(encoding="utf-8"), (
        f"/api/schema/ and docs/openapi.yaml differ: regenerate with `{REGENERATE}`"
    )


def test_make_schema_writes_the_served_schema(tmp_path):
    assert _generate(tmp_path) == COMMITTED.read_text(encoding="utf-8"), f"regenerate with `{REGENERATE}`"


def test_served_schema_is_the_same_for_every_role(client, role_users):
    bodies = set()
    for user in filter(None, role_users.values()):
        client.force_login(user)
        response = client.get("/api/schema/")
        assert response.status_code == 200
        bodies.add(response.content)
    assert len(bodies) == 1


# --- version, language ----------------------------------------------------------------------------------


def test_version_is_pep_440():
    version = committed()["info"]["version"]
    assert str(Version(version)) == version == settings.SPECTACULAR_SETTINGS["VERSION"]


@pytest.mark.parametrize(
    ("query", "accept_language", "expected"),
    [
        ("", "", "en"),
        ("", "en-US,en;q=0.9", "en"),
        ("?lang=zh-hans", "", "zh-hans"),
        ("", "zh-CN,zh;q=0.9", "zh-hans"),
        ("?lang=en", "zh-CN", "en"),
        ("?lang=fr", "", "en"),
        ("", "*", "en"),
    ],
)
def test_schema_is_english_unless_chinese_is_asked_for(client, api_client_user, query, accept_language, expected):
    client.force_login(api_client_user)
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    response = client.get(f"/api/schema/{query}", **headers)
    assert response.status_code == 200
    assert response["Content-Language"] == expected
    description = yaml.safe_load(response.content)["paths"]["/api/v1/exhibitions/"]["get"]["parameters"]
    year = next(p for p in description if p["name"] == "year")["description"]
    assert year == ("Year" if expected == "en" else "年份")


def _structure(node):
    """The schema without its human text (description, summary, title): what a generator names things by."""
    if isinstance(node, dict):
        return {k: _structure(v) for k, v in node.items() if k not in {"description", "summary", "title"}}
    if isinstance(node, list):
        return [_structure(v) for v in node]
    return node


def test_chinese_schema_differs_only_in_human_text(client, api_client_user):
    client.force_login(api_client_user)
    chinese = yaml.safe_load(client.get("/api/schema/?lang=zh-hans").content)
    assert (
        chinese["components"]["schemas"]["Exhibition"]["properties"]["end_date"]["description"]
        != (committed()["components"]["schemas"]["Exhibition"]["properties"]["end_date"]["description"])
    )
    assert _structure(chinese) == _structure(committed())


def test_names_a_generator_uses_are_english_identifiers():
    schema = committed()
    assert all(name.isidentifier() and name.isascii() for name in schema["components"]["schemas"])
    text = COMMITTED.read_text(encoding="utf-8")
    assert "title:" not in text.replace("title: ExpoPlan API", "")
    status = next(p for p in schema["paths"]["/api/v1/exhibitions/"]["get"]["parameters"] if p["name"] == "status")
    assert status["schema"]["items"] == {"$ref": "#/components/schemas/ExhibitionStatusEnum"}


# --- types, required, status codes ----------------------------------------------------------------------


def test_year_and_month_filters_are_integers():
    parameters = {p["name"]: p["schema"] for p in committed()["paths"]["/api/v1/exhibitions/"]["get"]["parameters"]}
    assert parameters["year"] == {"type": "integer", "minimum": 2000, "maximum": 2100}
    assert parameters["month"] == {"type": "integer", "minimum": 1, "maximum": 12}
    assert not [
        f"{method} {path} ?{p['name']}"
        for path, method, operation in _operations(committed())
        for p in operation.get("parameters", [])
        if p["schema"].get("type") == "number"
    ]


@pytest.mark.parametrize("value", ["2026.0", "2026.5", "2026.", "1e3", "twenty"])
def test_a_year_that_is_not_a_whole_number_is_refused(staff_api, value):
    response = staff_api.get("/api/v1/exhibitions/", {"year": value})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["year"]


@pytest.mark.parametrize("path", ["/api/v1/progress/", "/api/v1/progress/history/"])
def test_progress_year_that_is_not_a_whole_number_is_refused(staff_api, dataset, path):
    assert staff_api.get(path, {"year": "2024"}).status_code == 200
    response = staff_api.get(path, {"year": "2024.0"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["year"]


def test_month_filter_refuses_decimals(staff_api):
    response = staff_api.get("/api/v1/exhibitions/", {"month": "3.0"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["month"]


def test_every_response_field_is_required():
    """Responses carry every field on every row (null where nullable): none is optional to a client."""
    for name, component in committed()["components"]["schemas"].items():
        if name.endswith("Request") or name == "Error" or "properties" not in component:
            continue
        assert sorted(component.get("required", [])) == sorted(component["properties"]), name
    exhibition = committed()["components"]["schemas"]["Exhibition"]["required"]
    assert {"name", "name_en", "city", "venue", "is_green", "is_flagship", "status", "version"} <= set(exhibition)


def test_every_status_code_an_operation_answers_is_declared():
    for path, method, operation in _operations(committed()):
        codes = set(operation["responses"])
        where = f"{method} {path}"
        assert {"400", "401", "403", "404", "406", "429"} <= codes, where
        assert ("304" in codes) == (method == "get"), where
        assert ("415" in codes) == ("requestBody" in operation), where
        assert ("409" in codes) == (method in {"post", "put", "patch"}), where
        if path == "/api/v1/exhibitions/{id}/" and method != "get":
            assert "412" in codes, where
        assert ("428" in codes) == (path == "/api/v1/exhibitions/{id}/" and method in {"put", "patch"}), where
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")):
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
            assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(response["headers"]), where
        assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_api_answers_406_to_an_unacceptable_accept(staff_api):
    response = staff_api.get("/api/v1/cities/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406


def _undocumented(schema: dict) -> list[str]:
    missing = []

    def walk(node: dict, where: str) -> None:
        for name, prop in (node.get("properties") or {}).items():
            if not ({"description", "$ref", "allOf"} & set(prop)):
                missing.append(f"{where}.{name}")
            if prop.get("type") == "object":
                walk(prop, f"{where}.{name}")

    for name, component in schema["components"]["schemas"].items():
        walk(component, name)
    for path, method, operation in _operations(schema):
        missing += [
            f"{method} {path} ?{p['name']}" for p in operation.get("parameters", []) if not p.get("description")
        ]
    return missing


def test_every_field_and_parameter_is_documented():
    schema = committed()
    assert _undocumented(schema) == []
    paths = set(schema["paths"])
    for expected in (
        "/api/v1/cities/",
        "/api/v1/batches/",
        "/api/v1/venues/",
        "/api/v1/organizers/",
        "/api/v1/brands/",
        "/api/v1/targets/",
        "/api/v1/exhibitions/",
        "/api/v1/exhibitions/{id}/",
        "/api/v1/progress/",
        "/api/v1/progress/history/",
    ):
        assert expected in paths
    progress = schema["components"]["schemas"]["Progress"]["properties"]
    assert set(progress) == {
        "year",
        "scope",
        "computed_at",
        "stale",
        "rules",
        "goal",
        "achieved",
        "committed",
        "pipeline",
        "expected_to_date",
        "forecast",
        "by_city",
        "by_batch",
        "by_month",
        "other",
    }


# --- conformance over seeded data -----------------------------------------------------------------------


def _json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema 2020-12: `nullable` as a null alternative, refs to `$defs`,
    and objects closed (a field a response carries but the schema does not describe is an error)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: _json_schema(v) for k, v in node.items() if k not in {"readOnly", "writeOnly"}}
    if "$ref" in node:
        node["$ref"] = node["$ref"].replace("#/components/schemas/", "#/$defs/")
    if "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    if node.pop("nullable", False):
        if "type" in node and "enum" not in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def _validator(schema: dict, response_schema: dict) -> Draft202012Validator:
    root = {"$defs": _json_schema(copy.deepcopy(schema["components"]["schemas"]))}
    root |= _json_schema(copy.deepcopy(response_schema))
    return Draft202012Validator(root, format_checker=FormatChecker())


def _errors(validator: Draft202012Validator, body) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(body)]


YEAR = timezone.localdate().year  # a demo year, as `make run` seeds it


@pytest.fixture
def seeded(db, settings):
    """A demo year as `make run` seeds it (a few hundred rows of every batch, status and city), with
    its progress snapshot."""
    from exhibitions.demo import seed_demo_year
    from targets.services import progress_recompute

    settings.EXPOPLAN_API_THROTTLE_RATE = "1000000/hour"
    seed_demo_year(year=YEAR, count=300, seed=7, as_of=dt.date(YEAR, 6, 30))
    progress_recompute(year=YEAR, as_of=dt.date(YEAR, 6, 30))


def _get_all(api, url: str) -> list:
    """Every page of a list (a bare array is one page)."""
    bodies = []
    while url:
        response = api.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        body = response.json()
        bodies.append(body)
        url = body.get("next") if isinstance(body, dict) and "results" in body else None
    return bodies


def _response_schema(schema: dict, path: str) -> dict:
    return schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]


def _rows(body) -> list:
    return body["results"] if isinstance(body, dict) and "results" in body else body


LISTS = [
    pytest.param("exhibitions", "/api/v1/exhibitions/", "?page_size=100", "/api/v1/exhibitions/{id}/", "id"),
    ("venues", "/api/v1/venues/", "?page_size=100", "/api/v1/venues/{id}/", "id"),
    ("cities", "/api/v1/cities/", "", "/api/v1/cities/{slug}/", "slug"),
    ("batches", "/api/v1/batches/", "", "/api/v1/batches/{code}/", "code"),
    ("organizers", "/api/v1/organizers/", "?page_size=100", "/api/v1/organizers/{id}/", "id"),
    ("brands", "/api/v1/brands/", "", "/api/v1/brands/{slug}/", "slug"),
    ("targets", "/api/v1/targets/", "", "/api/v1/targets/{year}/", "year"),
]


@pytest.mark.parametrize(("name", "path", "query", "detail", "key"), LISTS)
def test_every_seeded_row_conforms_to_its_component(seeded, staff_api, name, path, query, detail, key):
    schema = committed()
    page_validator = _validator(schema, _response_schema(schema, path))
    row_validator = _validator(schema, _response_schema(schema, detail))
    rows = []
    for body in _get_all(staff_api, path + query):
        assert _errors(page_validator, body) == [], f"{path}: a page does not conform"
        rows += _rows(body)
    assert len(rows) >= {"exhibitions": 300, "organizers": 2}.get(name, 1)
    failures = {row[key]: _errors(row_validator, row) for row in rows}
    assert {k: v for k, v in failures.items() if v} == {}, f"{name}: rows that do not conform"
    first = staff_api.get(detail.replace("{" + key + "}", str(rows[0][key])))
    assert first.status_code == 200
    assert _errors(row_validator, first.json()) == []


def test_seeded_progress_conforms(seeded, staff_api):
    schema = committed()
    progress = _validator(schema, _response_schema(schema, "/api/v1/progress/"))
    history = _validator(schema, _response_schema(schema, "/api/v1/progress/history/"))
    bodies = [staff_api.get("/api/v1/progress/", {"year": YEAR})]
    bodies += [staff_api.get("/api/v1/progress/", {"year": YEAR, "city": slug}) for slug in ("shenyang", "dalian")]
    for response in bodies:
        assert response.status_code == 200, response.content[:300]
        assert _errors(progress, response.json()) == []
    assert bodies[0].json()["achieved"]["exhibitions"] > 0
    series = staff_api.get("/api/v1/progress/history/", {"year": YEAR})
    assert series.status_code == 200
    assert _errors(history, series.json()) == []


# --- served locally, versioned by namespace ----------------------------------------------------------


def test_schema_and_docs_are_served_locally(client, api_client_user):
    assert client.get("/api/schema/").status_code == 401  # SPEC §5: anonymous sees nothing
    assert client.get("/api/docs/").status_code == 401
    client.force_login(api_client_user)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    # Nothing loaded from elsewhere (the page's random CSRF token may contain any letters, so no substring test).
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html) and "https://" not in html
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_namespace_versioning(staff_api, dataset):
    from django.urls import reverse

    assert reverse("v1:exhibition-list") == "/api/v1/exhibitions/"
    assert reverse("v1:progress") == "/api/v1/progress/"
    body = staff_api.get("/api/v1/exhibitions/?page_size=1").json()
    assert body["next"].startswith("http://testserver/api/v1/exhibitions/?")
