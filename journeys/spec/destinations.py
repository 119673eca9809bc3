"""Destination configs (CONTRACT C8): where due actions are sent, as frozen typed models.

``journey_specs/_destinations.yml`` maps a destination name to one of these configs, told
apart by ``type``. The models only check shape: secrets are *references* to environment
variables (``{env: SENDGRID_API_KEY}``) and are resolved at dispatch, never here, so that
validating a project never needs (or leaks) credentials.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from journeys.spec.models import ActionType

ENV_VAR_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
URL_PATTERN = r"^https?://\S+$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"

Url = Annotated[str, StringConstraints(pattern=URL_PATTERN)]
Column = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$")]


class DestinationModel(BaseModel):
    """Base of every destination model: immutable, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SecretRef(DestinationModel):
    """A secret read from the environment at dispatch: ``{env: VAR_NAME}``."""

    env: Annotated[str, StringConstraints(pattern=ENV_VAR_PATTERN)]


class RateLimit(DestinationModel):
    """At most ``per_second`` requests per second to this destination."""

    per_second: Annotated[float, Field(gt=0)]


class RetryPolicy(DestinationModel):
    """Bounded retries with exponential backoff and jitter for transient errors.

    Transient means the provider did not take the request (429, a refused connection), or,
    under ``at_least_once``, that it may have (a timeout, a 5xx). ``Retry-After`` wins over
    the backoff when the provider sends it. ``max_wait_seconds`` bounds how long one
    dispatch waits for a retry; a later one is left to the next dispatch.
    """

    max_attempts: Annotated[int, Field(ge=1, le=20)] = 5
    backoff_seconds: Annotated[float, Field(ge=0)] = 1.0
    max_backoff_seconds: Annotated[float, Field(ge=0)] = 60.0
    max_wait_seconds: Annotated[float, Field(ge=0)] = 60.0


Delivery = Literal["at_most_once", "at_least_once"]
"""What a dispatch does when it cannot tell whether a request went through (a timeout or a
5xx after sending, or a crash while the request was in flight): ``at_most_once`` records
``unknown`` and never sends again; ``at_least_once`` sends again with the same
idempotency key."""


class _Common(DestinationModel):
    """What every destination takes: a base URL override, limits, a retry and a delivery
    policy."""

    base_url: Url | None = None
    rate_limit: RateLimit | None = None
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    delivery: Delivery = "at_most_once"
    concurrency: Annotated[int, Field(ge=1, le=256)] = 16
    timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 10.0


class EmailSender(DestinationModel):
    """The ``from`` of an email: address and optional display name."""

    email: Annotated[str, StringConstraints(pattern=EMAIL_PATTERN)]
    name: str | None = None


class SendgridDestination(_Common):
    """Email through SendGrid's v3 ``mail/send`` with dynamic templates."""

    type: Literal["sendgrid"]
    api_key: SecretRef
    from_: EmailSender = Field(alias="from")
    recipient_column: Column = "email"
    batch_size: Annotated[int, Field(ge=1, le=1000)] = 1000


class TwilioDestination(_Common):
    """SMS through Twilio's Messages API."""

    type: Literal["twilio"]
    account_sid: SecretRef
    auth_token: SecretRef
    from_: Annotated[str, StringConstraints(min_length=1)] = Field(alias="from")
    recipient_column: Column = "phone"


class BrazeDestination(_Common):
    """Push (and email) through Braze ``/messages/send``; the REST endpoint is per instance."""

    type: Literal["braze"]
    api_key: SecretRef
    base_url: Url
    app_id: str | None = None
    campaign_id: str | None = None


class WebhookDestination(_Common):
    """A JSON POST signed with HMAC-SHA256 of the body (``custom_api``)."""

    type: Literal["webhook"]
    url: Url
    secret: SecretRef
    delivery: Delivery = "at_least_once"


class OutboxDestination(_Common):
    """A local JSON-lines file: every action is appended as one line (demos, tests)."""

    type: Literal["outbox"]
    path: Annotated[str, StringConstraints(min_length=1)] | None = None
    recipient_column: Column | None = None

    def resolved_path(self, name: str) -> str:
        """The file written for destination ``name``: ``path``, or ``outbox/<name>.jsonl``."""
        return self.path if self.path is not None else f"outbox/{name}.jsonl"


DestinationConfig = Annotated[
    SendgridDestination
    | TwilioDestination
    | BrazeDestination
    | WebhookDestination
    | OutboxDestination,
    Field(discriminator="type"),
]

ALL_ACTIONS: frozenset[str] = frozenset({"send_email", "send_sms", "send_push", "custom_api"})

SUPPORTED_ACTIONS: dict[str, frozenset[str]] = {
    "sendgrid": frozenset({"send_email"}),
    "twilio": frozenset({"send_sms"}),
    "braze": frozenset({"send_push", "send_email"}),
    "webhook": frozenset({"custom_api"}),
    "outbox": ALL_ACTIONS,
}
"""Which action types each destination type can carry out."""

DESTINATION_TYPES: tuple[str, ...] = tuple(SUPPORTED_ACTIONS)

CHANNEL_OF_ACTION: dict[str, str] = {
    "send_email": "email",
    "send_sms": "sms",
    "send_push": "push",
    "custom_api": "webhook",
}


def supports(destination_type: str, action: str) -> bool:
    """Whether a destination of this type can carry out this action type."""
    return action in SUPPORTED_ACTIONS.get(destination_type, frozenset())


def channel_of(action: ActionType | str) -> str:
    """The channel of an action type (C9 frequency caps and consent are per channel).

    Example:
        >>> channel_of("send_sms")
        'sms'
    """
    try:
        return CHANNEL_OF_ACTION[action]
    except KeyError:
        raise ValueError(f"unknown action type '{action}'") from None
