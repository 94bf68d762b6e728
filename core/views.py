from django.http import HttpRequest, HttpResponse


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe: no authentication, no database work (the floor for benchmarks)."""
    return HttpResponse("ok", content_type="text/plain")
