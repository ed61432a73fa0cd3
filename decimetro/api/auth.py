"""The write API's authentication: an organisation's token (`Authorization: Bearer dcm_…`,
`core.services_tokens`), rate limited per token.

No token, an unknown, revoked or malformed one → 401 with an Italian message and `WWW-Authenticate: Bearer`;
too many requests with one token → 429 with `Retry-After`. What the token may do is asked by the services
themselves (`core.permissions.ensure` on the token's account): outside its organisation's rights → 403."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from decimetro.core.models import ApiToken
from decimetro.core.security import over_rate_limit
from decimetro.core.services_tokens import api_token_authenticate

RATE_WINDOW_SECONDS = 60


class RateLimited(Exception):
    """Too many requests with one token in the window (answered 429 by `api.errors`)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


class TokenAuth(HttpBearer):
    """Bearer token of an organisation. `request.auth` is the `ApiToken`; its `user` is the account the
    services are called with."""

    openapi_description = (
        "Token di un'organizzazione (creato dal suo amministratore nella pagina «Token API» o con "
        "`manage.py api_token_create`): intestazione `Authorization: Bearer <token>`. Scrive con i diritti "
        "dell'organizzazione, mai oltre."
    )

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = api_token_authenticate(token.strip())
        if found is None:
            return None
        limit = int(getattr(settings, "DECIMETRO_API_TOKEN_RATE_LIMIT", 60))
        if over_rate_limit("api-token", found.digest[:32], limit=limit, seconds=RATE_WINDOW_SECONDS):
            raise RateLimited(RATE_WINDOW_SECONDS)
        return found


def token_of(request: HttpRequest) -> ApiToken:
    token: Any = request.auth  # type: ignore[attr-defined]
    assert isinstance(token, ApiToken)
    return token
