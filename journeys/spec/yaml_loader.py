"""YAML loading with YAML 1.2 booleans.

PyYAML follows YAML 1.1, where ``yes``, ``no``, ``on`` and ``off`` are booleans, so a
branch's ``yes: tips_email`` would arrive as ``True: tips_email``. Specs are read with a
loader that only takes ``true``/``false`` as booleans, as YAML 1.2 and every editor do.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from journeys.limits import MAX_YAML_DEPTH


class SpecLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 boolean resolution and bounded nesting.

    PyYAML composes nested nodes recursively, so 2,000 nested ``[`` would end in a
    ``RecursionError``; deeper than :data:`journeys.limits.MAX_YAML_DEPTH` is a YAML error
    naming the line instead.
    """

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_YAML_DEPTH} levels of mappings and "
                    "lists: a spec needs far fewer; flatten it", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


SpecLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_yaml(text: str) -> Any:
    """Parse YAML text where only true/false are booleans.

    Example:
        >>> load_yaml("yes: a\\nno: b\\nflag: true")
        {'yes': 'a', 'no': 'b', 'flag': True}
    """
    return yaml.load(text, Loader=SpecLoader)  # noqa: S506 - SafeLoader subclass
