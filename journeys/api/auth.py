"""API keys: who is calling, for the audit trail (``api:<name>``), or 401.

Keys come from ``JOURNEYS_API_KEYS`` through :func:`journeys.settings.api_keys` and are
given to :func:`journeys.api.create_app`; clients send ``Authorization: Bearer <key>`` (or
``X-API-Key: <key>``). Keys are compared in constant time and never logged, nor echoed in
an answer.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from journeys.api.context import context
from journeys.api.errors import ApiError

_BEARER = HTTPBearer(auto_error=False, description="`Authorization: Bearer <key>`, a key of "
                     "JOURNEYS_API_KEYS on the server.")
_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False,
                       description="The same key in an `X-API-Key` header.")
CHALLENGE = {"WWW-Authenticate": "Bearer"}
HOW = ("send `Authorization: Bearer <key>` (or `X-API-Key: <key>`) with a key of "
       "JOURNEYS_API_KEYS on the server")


def key_owner(keys: Mapping[str, str], given: str) -> str | None:
    """The name of the key ``given``, or None; every key is compared, in constant time.

    Example:
        >>> key_owner({"s3cret": "ci"}, "s3cret"), key_owner({"s3cret": "ci"}, "guess")
        ('ci', None)
    """
    owner = None
    for key, name in keys.items():
        if hmac.compare_digest(key.encode(), given.encode()):
            owner = name
    return owner


def authenticate(request: Request,
                 bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
                 header: Annotated[str | None, Depends(_HEADER)]) -> str:
    """The FastAPI dependency of every route: the caller as the audit trail names it
    (``api:<name>``), or 401 with ``WWW-Authenticate: Bearer``."""
    given = (bearer.credentials if bearer is not None else None) or header
    if not given:
        raise ApiError(401, f"no API key: {HOW}", headers=CHALLENGE)
    owner = key_owner(context(request).keys, given)
    if owner is None:
        raise ApiError(401, f"wrong API key: {HOW}", headers=CHALLENGE)
    return f"api:{owner}"


Actor = Annotated[str, Depends(authenticate)]
"""A route's parameter receiving the caller's name for the audit trail (``api:<name>``)."""
