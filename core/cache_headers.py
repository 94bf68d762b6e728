"""`Cache-Control: no-store` on signed-in pages and on downloads (SPEC §12).

A page rendered for a signed-in user (any `text/html` response, htmx fragments included) and every
download (`Content-Disposition: attachment`: CSV/XLSX exports, report PDF/XLSX, job files, import templates)
must not be kept by the browser or a proxy, where the next person at the machine could read it back.
Django's own `never_cache` headers are used (`max-age=0, no-cache, no-store, must-revalidate, private`).

Left alone: the API's JSON (it sends `private, no-cache` with an ETag so that clients revalidate, which
`no-store` would defeat; core/api/conditional.py), static files (WhiteNoise answers before this middleware),
and anonymous non-download responses such as /healthz.
"""

from django.utils.cache import add_never_cache_headers


def is_download(response) -> bool:
    return response.get("Content-Disposition", "").lower().startswith("attachment")


def is_html(response) -> bool:
    return response.get("Content-Type", "").split(";", 1)[0].strip().lower() == "text/html"


class NoStoreMiddleware:
    """After AuthenticationMiddleware: `request.user` is known."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The response's type first: the user (a session lookup) only matters for HTML.
        if is_download(response) or (is_html(response) and signed_in(request)):
            add_never_cache_headers(response)
        return response


def signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated
