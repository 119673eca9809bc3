"""Whether the generated dbt files on disk are what the compiler would write now.

Compiling the six demo journeys takes about 2.5 s, a quarter of a tick's budget at scale.
The generated files are a pure function of the validated specs, the profile columns, the
dialect and the compiler's own code, so a hash of those, recorded next to the hashes of the
files written, tells a tick (or Dagster's project preparer) whether it may skip the work.
A file edited by hand, or a compiler upgrade, changes the hashes and compiles again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import journeys
from journeys.spec.governance import GovernanceSpec
from journeys.spec.models import JourneySpec

RECORD = Path("dbt_project/target/journeys_compiled.json")
"""Where the last compile is recorded (dbt's target folder: never committed)."""


def _code_digest() -> str:
    package = Path(journeys.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def inputs_key(specs: Mapping[str, JourneySpec], profile_columns: frozenset[str],
               dialect: str, governance: GovernanceSpec | None = None) -> str:
    """A hash of everything the generated files depend on."""
    digest = hashlib.sha256()
    digest.update(_code_digest().encode())
    digest.update(dialect.encode())
    digest.update(json.dumps(sorted(profile_columns)).encode())
    for journey_id in sorted(specs):
        digest.update(journey_id.encode())
        digest.update(specs[journey_id].model_dump_json(by_alias=True).encode())
    digest.update(governance.model_dump_json().encode() if governance else b"none")
    return digest.hexdigest()


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def is_fresh(root: Path, key: str) -> bool:
    """Whether the last recorded compile had this key and its files are untouched."""
    try:
        record = json.loads((root / RECORD).read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or record.get("key") != key:
        return False
    files = record.get("files")
    return isinstance(files, dict) and bool(files) and all(
        _file_digest(root / rel) == digest for rel, digest in files.items())


def record(root: Path, key: str, files: Mapping[Path, str]) -> None:
    """Remember a compile whose files are now on disk."""
    path = root / RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    hashes = {rel.as_posix(): hashlib.sha256(text.encode()).hexdigest()
              for rel, text in sorted(files.items())}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"key": key, "files": hashes}, indent=1))
    tmp.replace(path)
