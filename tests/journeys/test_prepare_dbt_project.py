"""Before dbt parses the project, the generated files match the specs, compiled only when
something they depend on changed (journeys.compiler.fingerprint)."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.compiler import fingerprint
from journeys.compiler.render_dbt import stale_files
from journeys.project import ProjectError, compile_project, prepare_dbt_project
from journeys.settings import Settings
from tests.project_copy import copy_project

WELCOME = Path("journey_specs/welcome_series.yml")
WELCOME_CLOCK = Path("dbt_project/models/journeys/welcome_series/welcome_series__clock.sql")


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    root = copy_project(tmp_path / "project")
    return Settings(project_root=root, warehouse=tmp_path / "absent.duckdb")


def _compiles(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether preparing the project compiled (rather than finding the files fresh)."""
    calls = []
    real = fingerprint.record
    monkeypatch.setattr(fingerprint, "record", lambda *a: (calls.append(a), real(*a)))
    prepare_dbt_project(settings)
    monkeypatch.setattr(fingerprint, "record", real)
    return bool(calls)


def test_a_second_preparation_with_nothing_changed_does_not_compile(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _compiles(settings, monkeypatch)
    assert not _compiles(settings, monkeypatch)
    assert stale_files(settings.project_root, compile_project(settings).files) == []


def test_an_edited_spec_is_compiled_before_dbt_sees_it(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_dbt_project(settings)
    spec = settings.project_root / WELCOME
    spec.write_text(spec.read_text().replace("name: Welcome Series", "name: Welcome tour"))
    assert _compiles(settings, monkeypatch)
    assert stale_files(settings.project_root, compile_project(settings).files) == []


def test_a_generated_file_edited_by_hand_is_rewritten(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_dbt_project(settings)
    model = settings.project_root / WELCOME_CLOCK
    model.write_text(model.read_text() + "\n-- a local edit\n")
    assert _compiles(settings, monkeypatch)
    assert "a local edit" not in model.read_text()


def test_a_deleted_spec_removes_its_models(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_dbt_project(settings)
    (settings.project_root / WELCOME).unlink()
    # governance's priority names it too (a name that is not a journey is an error)
    governance = settings.project_root / "journey_specs" / "_governance.yml"
    governance.write_text(governance.read_text().replace(", welcome_series]", "]"))
    assert _compiles(settings, monkeypatch)
    assert not (settings.project_root / WELCOME_CLOCK).exists()


def test_specs_with_problems_compile_nothing(settings: Settings) -> None:
    prepare_dbt_project(settings)
    before = (settings.project_root / WELCOME_CLOCK).read_text()
    spec = settings.project_root / WELCOME
    spec.write_text(spec.read_text().replace("schedule:", "schedulle:", 1))
    with pytest.raises(ProjectError):
        prepare_dbt_project(settings)
    assert (settings.project_root / WELCOME_CLOCK).read_text() == before
