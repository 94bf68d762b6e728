"""Every route of the project, and every method it answers, is in a permission matrix: a new URL or a new
write on an old one fails here until a Case says who may use it (tests/permissions.py)."""

from django.urls import URLPattern, URLResolver, get_resolver
from django.views.generic.edit import ProcessFormView

from tests.api.test_permissions import CASES as API_CASES
from tests.exhibitions.test_permissions import CASES as PAGE_CASES
from tests.permissions import covered

# Not in the matrices:
# - "admin": Django's admin decides access itself (is_staff, then model permissions) the same way on each
#   of its ~100 generated routes; tests/core/test_admin.py checks which roles get in.
# Static files need no exclusion: they are routed only with DEBUG on, which tests never are.
# The schema and the API docs are in the API matrix (they require a signed-in user).
EXCLUDED_NAMESPACES = {"admin"}
# Methods every view answers in the same way as another: HEAD as GET, OPTIONS from the view's own list.
IMPLIED = {"head", "options"}


def routes() -> dict[str, dict]:
    """{route name as reverse() spells it: {"patterns": [...], "methods": set | None}} of the whole URLconf.

    A name used by several patterns (DRF's format-suffix variants) is one route. `methods` is None for a
    function view, whose methods cannot be read off it."""
    found: dict[str, dict] = {}

    def walk(patterns, namespace: str, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in EXCLUDED_NAMESPACES:
                    continue
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                name = ":".join(filter(None, [namespace, pattern.name])) if pattern.name else None
                route = found.setdefault(name or f"<unnamed {prefix}{pattern.pattern}>", {"patterns": []})
                route["patterns"].append(prefix + str(pattern.pattern))
                route["methods"] = methods(pattern.callback)

    walk(get_resolver().url_patterns, "", "/")
    return found


def methods(callback) -> set[str] | None:
    if getattr(callback, "actions", None):  # a DRF viewset route: {method: action}, within what the class allows
        return {m for m in callback.actions if m in callback.cls.http_method_names} - IMPLIED
    view = getattr(callback, "view_class", None)
    if view is None:
        return None
    return {
        m
        for m in view.http_method_names
        if m not in IMPLIED
        and hasattr(view, m)
        and getattr(view, m) is not ProcessFormView.put  # a form view's PUT is its POST
    }


def test_every_route_has_a_name():
    unnamed = [name for name in routes() if name.startswith("<unnamed")]
    assert not unnamed, "name these routes, so that a Case can reverse them: " + ", ".join(unnamed)


def test_every_route_and_method_is_in_a_permission_matrix():
    cases = covered(PAGE_CASES) | covered(API_CASES)
    missing = []
    for name, route in sorted(routes().items()):
        wanted = route["methods"]
        if wanted is None:  # a function view: any method will do
            if not any(case_route == name for case_route, _ in cases):
                missing.append(f"{name} {route['patterns'][0]}")
        else:
            missing += [f"{m.upper()} {name} {route['patterns'][0]}" for m in sorted(wanted) if (name, m) not in cases]
    assert not missing, "no permission Case for:\n" + "\n".join(missing)


def test_the_walk_sees_the_whole_urlconf():
    """The walk itself: pages, the API's router and function views are all found (else the test above
    would pass on an empty list)."""
    found = routes()
    assert found["exhibitions:edit"]["methods"] == {"get", "post"}
    assert found["v1:exhibition-detail"]["methods"] == {"get", "put", "patch", "delete"}
    assert found["v1:venue-detail"]["methods"] == {"get", "put", "patch"}  # no DELETE in its http_method_names
    assert found["logout"]["methods"] == {"post"}
    assert found["healthz"]["methods"] is None
    assert not any(name.startswith("admin:") for name in found)
