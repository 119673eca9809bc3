"""A small real project on disk for validation tests: specs, destinations, dbt sources."""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path
from typing import Any

import yaml

from journeys.spec.yaml_loader import load_yaml
from journeys.validation import Problem, ValidationResult, validate_project

PROFILE_COLUMNS = [
    "member_id", "timezone", "email", "phone", "first_name", "last_name", "company_name",
    "country", "plan", "signed_up_at", "onboarding_completed", "total_orders", "last_order_at",
    "last_active_at", "unsubscribed", "subscription_expires_at", "has_renewed", "email_opt_in",
    "sms_opt_in", "push_opt_in", "discount_code", "lifetime_value",
]

DESTINATIONS = """\
sendgrid:
  type: sendgrid
  api_key: { env: SENDGRID_API_KEY }
  from: { email: hello@example.com, name: Example }
twilio:
  type: twilio
  account_sid: { env: TWILIO_ACCOUNT_SID }
  auth_token: { env: TWILIO_AUTH_TOKEN }
  from: "+15550001111"
braze:
  type: braze
  api_key: { env: BRAZE_API_KEY }
  base_url: https://rest.iad-01.braze.com
rewards:
  type: webhook
  url: https://rewards.example.com/hooks/journeys
  secret: { env: REWARDS_WEBHOOK_SECRET }
outbox:
  type: outbox
"""

WELCOME_SERIES = """\
id: welcome_series
name: Welcome Series
schedule: "0 * * * *"
timezone: UTC
entry:
  audience: { where: "signed_up_at >= run_at - interval 1 day" }
  frequency: once
goal: { event: onboarding_completed }
exit_criteria:
  - goal: true
  - event: { name: unsubscribed }
  - audience_exit: true
  - timeout: 30d
tiles:
  start:           { type: entry, next: wait_1h }
  wait_1h:         { type: wait, duration: 1h, next: welcome_email }
  welcome_email:
    type: action
    destination: sendgrid
    action: send_email
    template: d-welcome
    fields: { first_name: first_name, company: company_name }
    next: wait_3d
  wait_3d:         { type: wait, duration: 3d, next: onboarded }
  onboarded:
    { type: branch, condition: "onboarding_completed", yes: tips_email, no: reminder_email }
  tips_email:
    { type: action, destination: sendgrid, action: send_email, template: d-tips, next: done }
  reminder_email:
    type: action
    destination: sendgrid
    action: send_email
    template: d-reminder
    next: wait_2d
  wait_2d:         { type: wait, duration: 2d, next: onboarded_again }
  onboarded_again: { type: branch, condition: "onboarding_completed", yes: done, no: final_nudge }
  final_nudge:
    { type: action, destination: sendgrid, action: send_email, template: d-nudge, next: done }
  done:            { type: exit }
"""


def base_spec() -> dict[str, Any]:
    """The C4 example journey as a mapping (YAML 1.2 keys: ``yes``/``no`` stay text)."""
    return copy.deepcopy(load_yaml(WELCOME_SERIES))


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``patch`` into ``base``; a ``None`` value deletes the key."""
    for key, value in patch.items():
        if value is None:
            base.pop(key, None)
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


class Project:
    """A project folder with destinations, dbt sources and an audience model."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.specs = root / "journey_specs"
        self.specs.mkdir()
        (self.specs / "_destinations.yml").write_text(DESTINATIONS)
        staging = root / "dbt_project" / "models" / "staging"
        staging.mkdir(parents=True)
        sources = {"version": 2, "sources": [{"name": "warehouse", "tables": [
            {"name": "profiles", "columns": [{"name": c} for c in PROFILE_COLUMNS]},
            {"name": "events"},
        ]}]}
        (staging / "_sources.yml").write_text(yaml.safe_dump(sources, sort_keys=False))
        audiences = root / "dbt_project" / "models" / "audiences"
        audiences.mkdir()
        (audiences / "new_signups.sql").write_text("select member_id from {{ ref('x') }}\n")

    def write(self, name: str, spec: dict[str, Any] | str) -> Path:
        """Write ``journey_specs/<name>``; a mapping is dumped as YAML, text written as is."""
        path = self.specs / name
        text = spec if isinstance(spec, str) else yaml.safe_dump(spec, sort_keys=False)
        path.write_text(textwrap.dedent(text) if isinstance(spec, str) else text)
        return path

    def spec(self, patch: dict[str, Any] | None = None, name: str = "welcome_series.yml") -> Path:
        """Write the C4 example with ``patch`` merged in."""
        return self.write(name, merge(base_spec(), patch or {}))

    def validate(self, paths: list[Path] | None = None) -> ValidationResult:
        return validate_project(paths, project_root=self.root, warehouse=None)


def messages(problems: list[Problem]) -> str:
    """All problems, one a line, as the CLI prints them (for readable assertion failures)."""
    return "\n".join(str(p) for p in problems)
