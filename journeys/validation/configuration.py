"""Configuration checks (C5): destinations of action tiles, profile columns set, audiences.

An action tile must name a configured destination whose type can carry out its action; an
``update_profile`` tile may only set columns that exist; an audience ``model`` must be a dbt
model of the project. All are things a typo breaks silently at run time, so they are caught
here, with the closest correct name.
"""

from __future__ import annotations

from pathlib import Path

from journeys.spec.destinations import SUPPORTED_ACTIONS, supports
from journeys.spec.models import ActionTile, UpdateProfileTile, WebhookTile
from journeys.validation.destinations_file import DestinationsFile
from journeys.validation.drafts import SpecDraft
from journeys.validation.problems import did_you_mean

DBT_MODELS_DIR = Path("dbt_project/models")
_FIXED_COLUMNS = frozenset({"member_id"})


def check_configuration(
    draft: SpecDraft,
    destinations: DestinationsFile,
    profile_columns: frozenset[str] | None,
    project_root: Path,
) -> None:
    """Destinations, profile updates and audience models of one draft."""
    for tid, tile in draft.tiles.items():
        if isinstance(tile, ActionTile):
            _check_destination(draft, tid, tile.destination, tile.action, destinations,
                               profile_columns)
        elif isinstance(tile, WebhookTile):
            _check_destination(draft, tid, tile.destination, "custom_api", destinations,
                               profile_columns)
        elif isinstance(tile, UpdateProfileTile) and profile_columns is not None:
            _check_set_columns(draft, tid, tile, profile_columns)
    _check_audience_model(draft, project_root)


def _check_destination(
    draft: SpecDraft, tid: str, name: str, action: str, destinations: DestinationsFile,
    profile_columns: frozenset[str] | None,
) -> None:
    if not destinations.exists:
        draft.problem(
            f"destination '{name}' is not configured: create {destinations.shown} "
            f"with a '{name}' entry",
            tid,
        )
        return
    if name not in destinations.names:
        known = sorted(destinations.names)
        hint = did_you_mean(name, known) or (
            f" (configured: {', '.join(known)})" if known else " (none are configured)"
        )
        draft.problem(
            f"destination '{name}' is not configured in {destinations.shown}{hint}", tid
        )
        return
    config = destinations.configs.get(name)
    if config is None:  # written but broken: its own problem says why
        return
    if not supports(config.type, action):
        can = ", ".join(sorted(SUPPORTED_ACTIONS[config.type]))
        able = sorted(kind for kind, actions in SUPPORTED_ACTIONS.items() if action in actions)
        what = "a webhook tile" if action == "custom_api" else f"action '{action}'"
        draft.problem(
            f"destination '{name}' is a {config.type} destination, which cannot carry out "
            f"{what} (it supports: {can}); use a destination of type {' or '.join(able)}",
            tid,
        )
        return
    column = getattr(config, "recipient_column", None)
    if column and profile_columns is not None and column not in profile_columns:
        draft.problem(
            f"destination '{name}' reads each member's address from profile column "
            f"'{column}', which the profiles do not have"
            f"{did_you_mean(column, profile_columns)}; set its recipient_column in "
            f"{destinations.shown}",
            tid,
        )


def _check_set_columns(
    draft: SpecDraft, tid: str, tile: UpdateProfileTile, profile_columns: frozenset[str]
) -> None:
    for column in tile.set_:
        if column in _FIXED_COLUMNS:
            draft.problem(f"set: '{column}' identifies the member and cannot be set", tid)
        elif column not in profile_columns:
            draft.problem(
                f"set: unknown column '{column}' of profiles"
                f"{did_you_mean(column, profile_columns)}; update_profile can only set "
                "existing profile columns",
                tid,
            )


def _check_audience_model(draft: SpecDraft, project_root: Path) -> None:
    entry = draft.entry
    if entry is None or entry.audience is None or entry.audience.model is None:
        return
    model = entry.audience.model
    models_dir = project_root / DBT_MODELS_DIR
    existing = {p.stem for p in models_dir.rglob("*.sql")} if models_dir.is_dir() else set()
    if model not in existing:
        draft.problem(
            f"entry.audience.model: '{model}' is not a dbt model{did_you_mean(model, existing)}: "
            f"add {DBT_MODELS_DIR}/<folder>/{model}.sql selecting member_id"
        )
