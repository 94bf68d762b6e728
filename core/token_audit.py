"""API tokens issued and revoked are audited (SPEC §12): token_issued / token_revoked, with the token's
owner as the object — never the key.

Receivers of rest_framework.authtoken's Token (and TokenProxy, which its admin saves), so every path
is covered: the admin, `manage.py drf_create_token` (with `-r`: revoked, then issued), code calling
`Token.objects.get_or_create`, and the deletion of an account (its token goes with it). The actor and
the address are the current request's where there is one (simple_history's HistoryRequestMiddleware
keeps it for the thread); a command or task records no actor.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from rest_framework.authtoken.models import Token, TokenProxy

from core.audit import Action, current_request, record


def _owner_columns(token: Token) -> dict:
    User = get_user_model()
    try:
        owner = token.user
    except User.DoesNotExist:  # deleted with its account, which is already gone
        return {"object_type": User._meta.label_lower, "object_id": token.user_id}
    return {"obj": owner}


def _record(action: str, token: Token) -> None:
    record(action, request=current_request(), **_owner_columns(token))


def token_saved(sender, instance: Token, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        _record(Action.TOKEN_ISSUED, instance)


def token_deleted(sender, instance: Token, **kwargs) -> None:
    _record(Action.TOKEN_REVOKED, instance)


def connect() -> None:
    for model in (Token, TokenProxy):
        post_save.connect(token_saved, sender=model, dispatch_uid=f"core.token_issued.{model.__name__}")
        post_delete.connect(token_deleted, sender=model, dispatch_uid=f"core.token_revoked.{model.__name__}")
