"""OpenAPI: the schema view and the postprocessing hooks that make the schema a contract a generated
client can trust (drf-spectacular; `SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]` runs them in order).

- `pin_version`: `info.version` is the PEP 440 release (drf-spectacular appends " (v1)" under URL or
  namespace versioning, which packaging tools refuse).
- `language_neutral_names`: nothing a generator turns into an identifier depends on the language (labels
  as `title` are dropped; a query parameter's enum refers to the enum component with the same values).
- `require_response_fields`: every property of a response component is required (serializers write every
  field on every row, null where allowed), so a client does not type them as optional.
- `add_error_responses`: the Error component and every status code an operation can answer.
- `add_rate_limit_headers`: the `RateLimit-*` headers every API response carries.

The schema is English unless the request asks for Chinese (`SchemaView`).
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error answers this shape.",
    "properties": {
        "error": {
            "type": "object",
            "description": "What went wrong.",
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status code, repeated."},
                "code": {
                    "type": "string",
                    "description": "Stable machine-readable code: invalid (400 with field errors), parse_error "
                    "(body not JSON), not_authenticated, authentication_failed, permission_denied, not_found, "
                    "method_not_allowed, not_acceptable, unsupported_media_type, version_conflict (409), "
                    "conflict (409), precondition_failed (412), precondition_required (428), throttled (429), ...",
                },
                "message": {"type": "string", "description": "Human-readable summary (request language)."},
                "fields": {
                    "type": "object",
                    "description": "Messages per request field or query parameter (nested items as "
                    "`allocations.0.city`; whole-request errors under `non_field_errors`, a body that is not "
                    "JSON under `body`). Empty when the error is not about a field.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
                "current_version": {
                    "type": "integer",
                    "description": "409 version conflicts only: the exhibition's current version.",
                },
            },
            "required": ["status", "code", "message", "fields"],
        }
    },
    "required": ["error"],
}

ERROR_REF = {"$ref": "#/components/schemas/Error"}

DESCRIPTIONS = {
    "304": "Not modified: the `If-None-Match` ETag (for single objects also an `If-Modified-Since` date) "
    "is still current.",
    "400": "Invalid input (body or query parameters); `error.fields` names each field.",
    "401": "Not signed in: send `Authorization: Token KEY` or a session cookie.",
    "403": "Signed in, but your role may not do this.",
    "404": "No such object (or none you may see), or a page number past the last page.",
    "406": "The `Accept` header admits no type the API answers (`application/json`).",
    "409": "Conflict: the body's `version` is not the current one (`error.current_version` says which is), "
    "or the change collides with data stored meanwhile.",
    "412": "`If-Match` does not match the current ETag.",
    "415": "The body is not JSON (send `Content-Type: application/json`).",
    "428": "Precondition required: send the `version` you read in the body, or its ETag as `If-Match`.",
    "429": "Too many requests; retry after the number of seconds in `Retry-After`.",
}

WRITES = {"post", "put", "patch", "delete"}


def _error(code: str) -> dict:
    response: dict = {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": ERROR_REF}}}
    if code == "429":
        response["headers"] = {
            "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds until a request is accepted."}
        }
    return response


def _operations(result: dict):
    for path, operations in result.get("paths", {}).items():
        if path.startswith("/api/v1/"):
            for method, operation in operations.items():
                yield path, method, operation


def pin_version(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: `info.version` is SPECTACULAR_SETTINGS["VERSION"] alone (a PEP 440 version)."""
    result["info"]["version"] = spectacular_settings.VERSION
    return result


def _drop_titles(schema) -> None:
    if not isinstance(schema, dict):
        return
    schema.pop("title", None)
    for child in (schema.get("properties") or {}).values():
        _drop_titles(child)
    for key in ("items", "additionalProperties"):
        _drop_titles(schema.get(key))
    for key in ("allOf", "oneOf", "anyOf"):
        for child in schema.get(key) or []:
            _drop_titles(child)


def language_neutral_names(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: the names a generator derives identifiers from are English in every language.

    A schema's `title` is the field's label in the request language (`标识` for a slug), and generators
    name inline types after it (`exhibitions_list_状态.py`): titles go (field names and descriptions say
    it all). A query parameter whose enum has the values of an enum component refers to that component,
    so a client uses one type (`ExhibitionStatusEnum`) for the field and its filter.
    """
    schemas = result.get("components", {}).get("schemas", {})
    for component in schemas.values():
        _drop_titles(component)
    enums = {frozenset(c["enum"]): name for name, c in schemas.items() if "enum" in c and "properties" not in c}
    for _path, _method, operation in _operations(result):
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            _drop_titles(schema)
            holder = schema if "enum" in schema else schema.get("items", {})
            name = enums.get(frozenset(holder.get("enum", ())))
            if name:
                holder.clear()
                holder["$ref"] = f"#/components/schemas/{name}"
    return result


def require_response_fields(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: every property of a response component is required.

    With COMPONENT_SPLIT_REQUEST the request components (`…Request`, `Patched…Request`) are separate and
    keep the serializers' own rules; a response always carries every field (nullable ones as null), so
    a field the client may omit on create is still always present when read.
    """
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") or name == "Error" or "properties" not in component:
            continue
        component["required"] = sorted(component["properties"])
    return result


def add_error_responses(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: the Error component and each status code an operation can answer.

    Every operation: 400 (query parameters or body), 401, 403, 404, 406 (Accept), 429; GETs 304.
    A body: 415. Creates and updates: 409 (a collision, or a stale body `version`). An operation taking
    `If-Match`: 412 when it is stale, and for updates (PUT, PATCH) 428 when neither it nor a body
    `version` is given. (405 answers a method that has no operation, so no operation declares it.)
    """
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for _path, method, operation in _operations(result):
        responses = operation.setdefault("responses", {})
        codes = ["400", "401", "403", "404", "406", "429"]
        if "requestBody" in operation:
            codes.append("415")
        if method in {"post", "put", "patch"}:
            codes.append("409")
        if any(p.get("in") == "header" and p["name"].lower() == "if-match" for p in operation.get("parameters", [])):
            codes.append("412")
            if method in {"put", "patch"}:
                codes.append("428")
        for code in sorted(codes):
            responses.setdefault(code, _error(code))
        if method == "get":
            responses.setdefault("304", {"description": DESCRIPTIONS["304"]})
    return result


RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": "Requests allowed in the window (EXPOPLAN_API_THROTTLE_RATE, per user or token).",
    "RateLimit-Remaining": "Requests left in the current window.",
    "RateLimit-Reset": "Seconds until one more request is allowed.",
}


def add_rate_limit_headers(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: every response of every operation carries the RateLimit-* headers
    (draft-ietf-httpapi-ratelimit-headers; core.api.views.ApiViewMixin sets them), as components."""
    components = result.setdefault("components", {}).setdefault("headers", {})
    for name, description in RATE_LIMIT_HEADERS.items():
        components[name] = {"schema": {"type": "integer", "minimum": 0}, "required": True, "description": description}
    for _path, _method, operation in _operations(result):
        for response in operation.get("responses", {}).values():
            headers = response.setdefault("headers", {})
            for name in RATE_LIMIT_HEADERS:
                headers.setdefault(name, {"$ref": f"#/components/headers/{name}"})
    return result


def schema_language(request) -> str:
    """English, unless `?lang=` or `Accept-Language` asks for another of LANGUAGES (e.g. zh-hans)."""
    asked = [request.GET.get("lang", "")] + [
        code for code, _q in parse_accept_lang_header(request.headers.get("Accept-Language", ""))
    ]
    for code in asked:
        if code == "*":
            break
        if code:
            try:
                return translation.get_supported_language_variant(code)
            except LookupError:
                continue
    return "en"


class SchemaView(SpectacularAPIView):
    """`/api/schema/`: the schema in English unless `?lang=zh-hans` or `Accept-Language: zh` asks for Chinese
    (machine-facing text defaults to English; the site's own default language is Chinese)."""

    @extend_schema(exclude=True)  # as SpectacularAPIView.get: the schema does not describe itself
    def get(self, request, *args, **kwargs):
        language = schema_language(request)
        with translation.override(language):
            response = self._get_schema_response(request)
        response["Content-Language"] = language
        return response


def slug_list_parameter(name: str, description: str, example: list[str]):
    """A repeatable slug filter (`?city=a&city=b`) documented with a real example value, so generated
    tests (schemathesis' examples phase) also exercise the valid path, not only rejections."""
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import OpenApiExample, OpenApiParameter

    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        many=True,
        explode=True,
        description=description,
        examples=[OpenApiExample(", ".join(example), value=example)],
    )
