"""``validate_project``: every check of C5 over a set of spec files, all problems at once.

This is the one entry point the CLI (``journeys validate``) and the compiler call: they get
the specs that passed every check, the destinations and the profile columns, and the list of
problems to print. Nothing here raises for a user mistake, and nothing stops at the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from journeys.spec.destinations import DestinationConfig
from journeys.spec.governance import GovernanceSpec
from journeys.spec.models import JourneySpec
from journeys.validation.catalog import profile_catalog
from journeys.validation.configuration import check_configuration
from journeys.validation.destinations_file import DESTINATIONS_FILE, read_destinations
from journeys.validation.drafts import SpecDraft, load_draft
from journeys.validation.expressions import check_expressions
from journeys.validation.governance_file import GOVERNANCE_FILE, read_governance
from journeys.validation.journey_rules import check_journey_rules, check_sub_journeys
from journeys.validation.problems import Problem, display_path
from journeys.validation.structure import check_structure

SPECS_DIR = Path("journey_specs")


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of validating a project.

    Attributes:
        specs: the journeys that passed every check, by id (only these may be compiled).
        destinations: the valid destinations, by name.
        profile_columns: the profile columns the expressions were checked against (empty
            when they could not be found, which is itself a problem).
        problems: every problem found, in file order.
        governance: ``_governance.yml`` (C9); None without the file (then no governance
            models are compiled, and dispatch sends every due action).
    """

    specs: dict[str, JourneySpec]
    destinations: dict[str, DestinationConfig]
    profile_columns: frozenset[str]
    problems: list[Problem]
    governance: GovernanceSpec | None = None

    @property
    def ok(self) -> bool:
        """Whether there is nothing to fix."""
        return not self.problems


def validate_project(
    spec_paths: list[Path] | None, *, project_root: Path, warehouse: Path | None
) -> ValidationResult:
    """Validate journey specs with the project's destinations, columns and dbt models.

    Args:
        spec_paths: spec files (or folders of them) to check; None for every
            ``journey_specs/*.yml`` of the project. Files whose name starts with ``_``
            (``_destinations.yml``, ``_governance.yml``) are not journeys and are skipped.
        project_root: the repository root (``journey_specs/``, ``dbt_project/``).
        warehouse: the DuckDB warehouse file, whose ``profiles`` columns are the truth when
            it exists; the caller reads ``JOURNEYS_WAREHOUSE``.

    Returns:
        The valid specs and every problem; ``result.ok`` says whether to go on.

    Example:
        >>> result = validate_project([], project_root=Path("/nonexistent"), warehouse=None)
        >>> [str(p) for p in result.problems]  # doctest: +ELLIPSIS
        ['...: cannot tell the profile columns: ...']
    """
    destinations = read_destinations(project_root / DESTINATIONS_FILE)
    catalog = profile_catalog(project_root, warehouse)
    problems = [*destinations.problems, *catalog.problems]
    paths, missing = _spec_files(spec_paths, project_root)
    problems.extend(missing)
    drafts = [load_draft(path) for path in paths]
    _check_duplicate_ids(drafts)
    for draft in drafts:
        check_structure(draft)
        check_journey_rules(draft)
        check_configuration(draft, destinations, catalog.columns, project_root)
        check_expressions(draft, catalog.columns)
    known_ids = {draft.journey_id for draft in drafts} | journey_ids_on_disk(project_root)
    check_sub_journeys(drafts, known_ids)
    specs = {
        draft.spec.id: draft.spec
        for draft in drafts
        if draft.spec is not None and not draft.problems
    }
    for draft in drafts:
        problems.extend(draft.problems)
    governance = read_governance(project_root / GOVERNANCE_FILE, journey_ids=known_ids,
                                 profile_columns=catalog.columns, project_root=project_root)
    problems.extend(governance.problems)
    return ValidationResult(
        specs=specs,
        destinations=dict(destinations.configs),
        profile_columns=catalog.columns or frozenset(),
        problems=problems,
        governance=governance.spec,
    )


def _is_journey_file(path: Path) -> bool:
    return not path.name.startswith("_") and path.suffix in (".yml", ".yaml")


def _spec_files(
    spec_paths: list[Path] | None, project_root: Path
) -> tuple[list[Path], list[Problem]]:
    """The spec files to check, sorted; folders are expanded, ``_`` files skipped."""
    if spec_paths is None:
        spec_paths = [project_root / SPECS_DIR]
    files: list[Path] = []
    problems: list[Problem] = []
    for path in spec_paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.glob("*.yml")) if _is_journey_file(p))
        elif path.is_file():
            if not path.name.startswith("_"):
                files.append(path)
        else:
            what = "folder" if path.suffix == "" else "file"
            problems.append(Problem(display_path(path), None, f"{what} not found"))
    unique = list(dict.fromkeys(files))
    return unique, problems


def journey_ids_on_disk(project_root: Path) -> set[str]:
    """The ids of the journey spec files under ``journey_specs/`` (valid or not)."""
    specs_dir = project_root / SPECS_DIR
    if not specs_dir.is_dir():
        return set()
    return {p.stem for p in specs_dir.glob("*.yml") if _is_journey_file(p)}


def _check_duplicate_ids(drafts: list[SpecDraft]) -> None:
    first: dict[str, SpecDraft] = {}
    for draft in drafts:
        other = first.setdefault(draft.journey_id, draft)
        if other is not draft:
            draft.problem(
                f"journey id '{draft.journey_id}' is also {other.shown}: ids must be unique"
            )
