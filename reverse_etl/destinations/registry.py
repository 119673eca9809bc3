"""From the configs of ``_destinations.yml`` to destinations ready to send.

Secrets are environment variable names in the config; the caller reads them (the one
module that reads the environment is :mod:`journeys.settings`) and passes the values here.
A dry run passes placeholders instead, so it works before any secret is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from journeys.spec.destinations import (
    BrazeDestination,
    OutboxDestination,
    SecretRef,
    SendgridDestination,
    TwilioDestination,
    WebhookDestination,
)
from reverse_etl.destinations.base import Destination
from reverse_etl.destinations.braze import Braze
from reverse_etl.destinations.outbox import Outbox
from reverse_etl.destinations.sendgrid import Sendgrid
from reverse_etl.destinations.twilio import Twilio
from reverse_etl.destinations.webhook import Webhook


class SecretsMissing(ValueError):
    """Environment variables a dispatch needs are not set: nothing was sent."""


def secret_names(config: Any) -> list[str]:
    """The environment variables a destination reads, in the order written."""
    return [value.env for value in dict(config).values() if isinstance(value, SecretRef)]


def placeholder(name: str) -> str:
    return f"<${name}>"


def build(name: str, config: Any, secrets: Mapping[str, str], root: Path) -> Destination:
    """The destination ``name``; ``secrets`` maps every variable of
    :func:`secret_names` to its value (or a placeholder in a dry run)."""
    if isinstance(config, SendgridDestination):
        return Sendgrid(name, config, secrets[config.api_key.env])
    if isinstance(config, TwilioDestination):
        return Twilio(name, config, secrets[config.account_sid.env],
                      secrets[config.auth_token.env])
    if isinstance(config, BrazeDestination):
        return Braze(name, config, secrets[config.api_key.env])
    if isinstance(config, WebhookDestination):
        return Webhook(name, config, secrets[config.secret.env])
    if isinstance(config, OutboxDestination):
        return Outbox(name, config, root)
    raise TypeError(f"destination '{name}': unknown type {type(config).__name__}")


def build_all(configs: Mapping[str, Any], environment: Mapping[str, str], missing: list[str],
              root: Path, *, dry_run: bool) -> dict[str, Destination]:
    """Every destination, or :class:`SecretsMissing` naming each unset variable and the
    destination that needs it (a dry run fills placeholders instead)."""
    if missing and not dry_run:
        needs = [f"{var} (destination '{name}')" for name, config in configs.items()
                 for var in secret_names(config) if var in missing]
        raise SecretsMissing(
            "set these environment variables before dispatching: " + ", ".join(needs)
            + "; nothing was sent")
    values = {**{var: placeholder(var) for var in missing}, **environment}
    return {name: build(name, config, values, root) for name, config in configs.items()}
