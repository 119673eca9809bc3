"""Reading ``journey_specs/_governance.yml`` (C9) into a :class:`GovernanceSpec`.

Shape first (pydantic), then names against the project: the consent columns must be profile
columns, the priority list must name journeys, the quiet hours' time zone must be one the
engines know, and the suppression model must be a dbt model. A missing file governs
nothing; a broken one is a validation problem like any spec's, so nothing ticks on a
governance the user did not mean.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from journeys.spec.governance import GovernanceSpec
from journeys.validation.configuration import DBT_MODELS_DIR
from journeys.validation.journey_rules import MEMBER_TIMEZONE, iana_zones
from journeys.validation.problems import Problem, did_you_mean, display_path, path_label
from journeys.validation.pydantic_errors import translate
from journeys.validation.yaml_loader import read_yaml

GOVERNANCE_FILE = Path("journey_specs/_governance.yml")


@dataclass(frozen=True)
class GovernanceFile:
    """What ``_governance.yml`` holds: the spec when it exists and is valid (an empty file
    governs nothing), else None and the problems."""

    shown: str
    exists: bool
    spec: GovernanceSpec | None = None
    problems: list[Problem] = field(default_factory=list)


def read_governance(path: Path, *, journey_ids: Iterable[str],
                    profile_columns: frozenset[str] | None,
                    project_root: Path) -> GovernanceFile:
    """Read and check a governance file (see the module docstring)."""
    shown = display_path(path)
    if not path.is_file():
        return GovernanceFile(shown, exists=False)
    data, problems = read_yaml(path)
    if problems:
        return GovernanceFile(shown, True, problems=problems)
    if data is None:
        return GovernanceFile(shown, True, GovernanceSpec())
    if not isinstance(data, dict):
        return GovernanceFile(shown, True, problems=[Problem(
            shown, None, "must be a mapping with frequency_caps, quiet_hours, consent, "
            "suppression, holdout and priority (each optional)")])
    try:
        spec = GovernanceSpec.model_validate(data)
    except ValidationError as err:
        found = []
        for error in translate(err, GovernanceSpec, data):
            label = path_label(error.where)
            found.append(Problem(shown, None, f"{label}: {error.message}" if label
                                 else error.message))
        return GovernanceFile(shown, True, problems=found)
    found = _check_names(spec, shown, set(journey_ids), profile_columns, project_root)
    return GovernanceFile(shown, True, None if found else spec, found)


def _check_names(spec: GovernanceSpec, shown: str, journey_ids: set[str],
                 profile_columns: frozenset[str] | None, project_root: Path) -> list[Problem]:
    problems: list[Problem] = []

    def problem(message: str) -> None:
        problems.append(Problem(shown, None, message))

    for journey_id in spec.priority:
        if journey_id not in journey_ids:
            problem(f"priority: '{journey_id}' is not a journey"
                    f"{did_you_mean(journey_id, journey_ids)} (journeys are the files "
                    "journey_specs/<id>.yml)")
    if profile_columns:
        for channel, column in spec.consent.items():
            if column not in profile_columns:
                problem(f"consent.{channel}: '{column}' is not a profile column"
                        f"{did_you_mean(column, profile_columns)}; name the boolean column "
                        f"that says the member agreed to {channel}")
    quiet = spec.quiet_hours
    if quiet is not None and quiet.timezone != MEMBER_TIMEZONE \
            and quiet.timezone not in iana_zones():
        problem(f"quiet_hours.timezone: '{quiet.timezone}' is not an IANA time zone"
                f"{did_you_mean(quiet.timezone, iana_zones())}; write 'member' for each "
                "member's own zone, or a name such as 'Europe/Paris'")
    if spec.suppression is not None:
        models_dir = project_root / DBT_MODELS_DIR
        existing = {p.stem for p in models_dir.rglob("*.sql")} if models_dir.is_dir() else set()
        if spec.suppression.model not in existing:
            problem(f"suppression.model: '{spec.suppression.model}' is not a dbt model"
                    f"{did_you_mean(spec.suppression.model, existing)}: add "
                    f"{DBT_MODELS_DIR}/<folder>/{spec.suppression.model}.sql selecting "
                    "member_id")
    return problems
