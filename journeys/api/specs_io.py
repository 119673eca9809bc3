"""Spec files through the API: read as JSON, checked exactly as files are, written as YAML.

Git stays the source of truth: the API writes ``journey_specs/<id>.yml`` and nothing else,
and only when the project validates with it, so what it writes is what a reviewer reads and
what `journeys validate` would accept. A new or changed spec is validated in a throwaway copy
of ``journey_specs/`` holding the new text (with the project's ``dbt_project/`` beside it),
so the other specs see it too (a ``sub_journey`` naming it, the governance file), and the
messages are those `journeys validate` prints for the same file, paths relative to the
project root.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from journeys.settings import Settings
from journeys.spec.models import ID_PATTERN
from journeys.validation import Problem, validate_project
from journeys.validation.problems import display_path
from journeys.validation.yaml_loader import load_yaml_text

SPECS = "journey_specs"


def spec_path(settings: Settings, journey_id: str) -> Path:
    return settings.spec_dir / f"{journey_id}.yml"


def read_spec(settings: Settings, journey_id: str) -> dict[str, Any] | None:
    """The spec file as JSON values, or None when it does not read as a mapping (a file
    edited by hand may hold what JSON cannot: keys that are numbers, dates, ``.nan``)."""
    try:
        data = load_yaml_text(spec_path(settings, journey_id).read_text(encoding="utf-8"))
        return json.loads(json.dumps(data, default=str, allow_nan=False)) \
            if isinstance(data, dict) else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError, TypeError):
        return None


def spec_text(spec: dict[str, Any]) -> str:
    """The YAML of a spec, keys in the order given (``yes``/``no`` quoted, so any YAML
    reader takes them as text).

    Example:
        >>> print(spec_text({"id": "a", "tiles": {"b": {"yes": "c", "no": "d"}}}), end="")
        id: a
        tiles:
          b:
            'yes': c
            'no': d
    """
    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)


def is_text(text: str) -> bool:
    """Whether ``text`` can be saved as UTF-8 (JSON may carry lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def valid_id(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(ID_PATTERN.strip("^$"), value) is not None


def file_problems(settings: Settings, journey_id: str) -> list[str]:
    """`journeys validate journey_specs/<id>.yml`: the file as it is."""
    result = validate_project([spec_path(settings, journey_id)],
                              project_root=settings.project_root, warehouse=settings.warehouse)
    return shown(result.problems, [settings.project_root])


def problems_with(settings: Settings, journey_id: str, text: str | None) -> list[str]:
    """`journeys validate` of the whole project were ``journey_specs/<id>.yml`` to hold
    ``text`` (None: were it deleted)."""
    with tempfile.TemporaryDirectory(prefix="journeys-api-") as tmp:
        root = Path(tmp)
        specs = root / SPECS
        specs.mkdir()
        for source in settings.spec_dir.iterdir() if settings.spec_dir.is_dir() else ():
            if source.is_file():
                shutil.copyfile(source, specs / source.name)
        target = specs / f"{journey_id}.yml"
        if text is None:
            target.unlink(missing_ok=True)
        else:
            target.write_text(text, encoding="utf-8")
        if settings.dbt_dir.is_dir():
            (root / settings.dbt_dir.name).symlink_to(settings.dbt_dir, target_is_directory=True)
        result = validate_project(None, project_root=root, warehouse=settings.warehouse)
        return shown(result.problems, [root, settings.project_root])


def write_spec(settings: Settings, journey_id: str, text: str) -> None:
    """Replace ``journey_specs/<id>.yml`` whole (a tick never reads half a file)."""
    settings.spec_dir.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=settings.spec_dir, prefix=f".{journey_id}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as an editor would save it, not mkstemp's 0600
        os.replace(temporary, spec_path(settings, journey_id))
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def delete_spec(settings: Settings, journey_id: str) -> None:
    spec_path(settings, journey_id).unlink(missing_ok=True)


def _prefixes(roots: Iterable[Path]) -> Iterator[str]:
    for root in roots:
        for form in {str(root), str(root.resolve()), display_path(root)}:
            if form not in ("", "."):
                yield form.rstrip("/") + "/"


def shown(problems: Iterable[Problem], roots: Iterable[Path]) -> list[str]:
    """Each problem as `journeys validate` prints it at the project root: paths under
    ``roots`` relative to them (``journey_specs/<id>.yml``), whatever the server's cwd.

    Example:
        >>> shown([Problem("/tmp/x/journey_specs/a.yml", "t", "bad")], [Path("/tmp/x")])
        ["journey_specs/a.yml: tile 't': bad"]
    """
    pattern = re.compile("|".join(rf"(?<![\w./-]){re.escape(p)}"
                                  for p in sorted(set(_prefixes(roots)), key=len, reverse=True)))
    return [pattern.sub("", str(problem)) for problem in problems]
