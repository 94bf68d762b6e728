"""Authentication middleware: Django's, with the request's session store handed to the backend.

While Django's `auth.get_user` loads the request's user, `core.backends.current_session` names this
request's session store, so the backend can take the user and role fetched with the session
(core.sessions) instead of querying again. Everything else is Django's `auth.get_user`.
"""

from __future__ import annotations

from django.contrib import auth
from django.contrib.auth import middleware
from django.utils.functional import SimpleLazyObject

from core.backends import current_session


def get_user(request):
    if not hasattr(request, "_cached_user"):
        token = current_session.set(request.session)
        try:
            request._cached_user = auth.get_user(request)
        finally:
            current_session.reset(token)
    return request._cached_user


class AuthenticationMiddleware(middleware.AuthenticationMiddleware):
    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))
