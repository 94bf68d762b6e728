"""OpenAPI additions: the one error shape, documented on every operation (drf-spectacular hook)."""

from __future__ import annotations

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
                    "method_not_allowed, version_conflict (409), conflict (409), precondition_failed (412), "
                    "throttled (429), ...",
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
    "409": "Version conflict: the body's `version` is not the current one, or the data collides.",
    "412": "`If-Match` does not match the current ETag.",
    "415": "The body is not JSON (send `Content-Type: application/json`).",
    "429": "Too many requests; retry after the number of seconds in `Retry-After`.",
}


def _error(code: str) -> dict:
    response: dict = {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": ERROR_REF}}}
    if code == "429":
        response["headers"] = {
            "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds until a request is accepted."}
        }
    return response


def add_error_responses(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: the Error component and 400/401/403/404/409/412/429/304 where they apply."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            codes = ["400", "401", "403", "404", "429"]  # 404: no such object, or a page past the end
            if "requestBody" in operation:
                codes.append("415")
            if method in {"put", "patch", "delete"} and "/exhibitions/" in path:
                codes += ["409", "412"]
            for code in codes:
                responses.setdefault(code, _error(code))
            if method == "get":
                responses.setdefault("304", {"description": DESCRIPTIONS["304"]})
    return result


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
