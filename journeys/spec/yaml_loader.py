"""YAML loading with YAML 1.2 booleans.

PyYAML follows YAML 1.1, where ``yes``, ``no``, ``on`` and ``off`` are booleans, so a
branch's ``yes: tips_email`` would arrive as ``True: tips_email``. Specs are read with a
loader that only takes ``true``/``false`` as booleans, as YAML 1.2 and every editor do.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from journeys.limits import MAX_YAML_DEPTH, MAX_YAML_VALUES


class SpecLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 boolean resolution and bounded nesting and size.

    PyYAML composes nested nodes recursively, so 2,000 nested ``[`` would end in a
    ``RecursionError``; deeper than :data:`journeys.limits.MAX_YAML_DEPTH` is a YAML error
    naming the line instead. Aliases share a node, so a small file can stand for billions of
    values; more than :data:`journeys.limits.MAX_YAML_VALUES` once expanded, or an alias
    inside its own anchor, is a YAML error too.
    """

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if not self.check_event(yaml.MappingStartEvent, yaml.SequenceStartEvent):
            return super().compose_node(parent, index)  # a scalar or an alias: no level
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

    def compose_document(self) -> yaml.Node | None:
        node = super().compose_document()
        if node is not None:
            expanded_size(node)
        return node


def expanded_size(node: yaml.Node) -> int:
    """Values under ``node`` with every alias expanded, counted once per node (linear in the
    file); raises a ComposerError past :data:`MAX_YAML_VALUES` or on an alias in its own
    anchor. Nesting is bounded by the loader, so the recursion is too.

    Example:
        >>> bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\\n" + "".join(
        ...     f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\\n" for p, c in zip("abcd", "bcde"))
        >>> try:
        ...     load_yaml(bomb)
        ... except yaml.YAMLError as err:
        ...     print(err.problem.split(":")[0])
        aliases expand this file to more than 100,000 values
    """
    sizes: dict[int, int | None] = {}

    def size(item: yaml.Node) -> int:
        key = id(item)
        if key in sizes:
            known = sizes[key]
            if known is None:
                raise yaml.composer.ComposerError(
                    None, None, "an alias refers to the value that holds it", item.start_mark)
            return known
        sizes[key] = None
        total = 1
        if isinstance(item, yaml.SequenceNode):
            total += sum(size(child) for child in item.value)
        elif isinstance(item, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in item.value)
        if total > MAX_YAML_VALUES:
            raise yaml.composer.ComposerError(
                None, None, f"aliases expand this file to more than {MAX_YAML_VALUES:,} values: "
                "write the values out, or use fewer aliases", item.start_mark)
        sizes[key] = total
        return total

    return size(node)


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
