"""The sizes a project may have, in one place: validation, the YAML loader and the API use
these numbers, so a spec refused by `journeys validate` is refused by the API the same way.

Why limits at all: a spec is user input that reaches recursive code (the YAML composer,
sqlglot's parser and generator, graph walks, the compiler). Without bounds, a hostile or
broken file ends in ``RecursionError`` or eats the machine instead of a message. The numbers
are far above what a real journey needs (Braze Canvas allows 200 steps; the demo journeys
have at most 12 tiles, conditions of a few dozen characters nested 3 deep).

Every check here returns a message (or None), worded for the person who wrote the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

MAX_SPEC_BYTES = 1_000_000
"""A spec (or ``_governance.yml``, ``_destinations.yml``) file, and a spec sent to the API."""
MAX_REQUEST_BYTES = 1_000_000
"""An API request body; larger is refused with 413 before it is read."""
MAX_TILES = 200
"""Tiles per journey (Braze Canvas allows 200 steps)."""
MAX_ID_LENGTH = 64
"""A journey id (its file name) or a tile id, written ``^[a-z][a-z0-9_]*$``."""
MAX_NAME_LENGTH = 200
"""A journey's ``name``."""
MAX_TEXT_LENGTH = 2_000
"""Any other text of a spec: a template, a destination, a key, an event name."""
MAX_EXPRESSION_LENGTH = 4_000
"""A condition or a value expression (``where``, ``condition``, ``fields``, ``body``, ``set``)."""
MAX_EXPRESSION_DEPTH = 64
"""Nesting of an expression: parentheses, ``not``, operators chained, ``CASE`` in ``CASE``."""
MAX_YAML_DEPTH = 32
"""Nesting of mappings and lists in a YAML file (a spec needs about 6)."""
MAX_YAML_VALUES = 100_000
"""Values of a YAML file once its aliases are expanded (a 200-tile spec has about 2,000):
nine anchors of nine aliases each ("billion laughs") would otherwise make every reader of
the spec walk a billion values."""
MAX_MEMBER_ID_LENGTH = 256
"""A member id in `journeys enter`/`remove` and the API's members requests."""
MAX_MEMBERS_PER_REQUEST = 10_000
"""Member ids in one API request (a CSV given to the CLI may hold any number)."""
MAX_SIMULATED_TICKS = 100_000
"""Clocks of one `journeys simulate` (11 years of hourly ticks)."""


def too_long_id(value: str, what: str = "id") -> str | None:
    """A message when an id is longer than :data:`MAX_ID_LENGTH`.

    Example:
        >>> too_long_id("a" * 65, "tile id")[:40]
        'tile id is 65 characters long: at most 6'
    """
    if len(value) <= MAX_ID_LENGTH:
        return None
    return (f"{what} is {len(value):,} characters long: at most {MAX_ID_LENGTH} (lowercase "
            "letters, digits and '_')")


def lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (``\\ud800``), which no file can store:
    JSON may carry one, UTF-8 cannot.

    Example:
        >>> lone_surrogate("caf\\u00e9"), lone_surrogate("x\\ud800")
        (False, True)
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def text_problems(data: Any) -> Iterator[tuple[tuple[object, ...], str]]:
    """(where, message) for every text of a parsed spec that breaks a limit: a lone
    surrogate anywhere, a name or another text that is too long. Keys are checked too.
    Iterative, so a deeply nested value cannot exhaust the stack.

    Example:
        >>> list(text_problems({"name": "n" * 201, "tiles": {"a": {"template": "\\ud800"}}}))
        ... # doctest: +NORMALIZE_WHITESPACE
        [(('name',), 'is 201 characters long: at most 200'),
         (('tiles', 'a', 'template'), 'holds a lone surrogate (\\\\ud800), which is not text:
           write the character itself, or remove it')]
    """
    stack: list[tuple[tuple[object, ...], Any]] = [((), data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                if isinstance(key, str):
                    message = _text_message(key, MAX_TEXT_LENGTH)
                    if message is not None:
                        yield (*where, _SURROGATES.sub("\ufffd", key[:40])), f"key {message}"
                        continue
                stack.append(((*where, key), item))
        elif isinstance(value, list):
            stack.extend(((*where, i), item) for i, item in reversed(list(enumerate(value))))
        elif isinstance(value, str):
            limit = {("name",): MAX_NAME_LENGTH, ("id",): MAX_ID_LENGTH}.get(where,
                                                                          MAX_TEXT_LENGTH)
            if _is_expression(where):
                if not lone_surrogate(value):
                    continue  # the expression's own check reports its length and nesting
            message = _text_message(value, limit)
            if message is not None:
                yield where, message


_EXPRESSION_KEYS = {"where", "condition"}
_EXPRESSION_MAPS = {"fields", "body", "set"}


def _is_expression(where: tuple[object, ...]) -> bool:
    return bool(where) and (where[-1] in _EXPRESSION_KEYS
                            or (len(where) >= 2 and where[-2] in _EXPRESSION_MAPS))


SURROGATE = ("holds a lone surrogate (\\ud800), which is not text: write the character "
             "itself, or remove it")


def _text_message(text: str, limit: int) -> str | None:
    if lone_surrogate(text):
        return SURROGATE
    if len(text) > limit:
        return f"is {len(text):,} characters long: at most {limit:,}"
    return None


_SURROGATES = re.compile("[\ud800-\udfff]")


def without_surrogates(data: Any) -> Any:
    """``data`` with every lone surrogate replaced by U+FFFD, so that the checks after the
    one naming it (:func:`text_problems`) neither repeat it nor print it.

    Example:
        >>> without_surrogates({"name": "a\\ud800", "n": [1]}) == {"name": "a\\ufffd", "n": [1]}
        True
    """
    if isinstance(data, str):
        return _SURROGATES.sub("\ufffd", data)
    if isinstance(data, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in data.items()}
    if isinstance(data, list):
        return [without_surrogates(v) for v in data]
    return data


def nesting_depth(data: Any) -> int:
    """How deep mappings and lists nest in parsed data (0 for a scalar), without recursion:
    the API's spec arrives as JSON, which no YAML loader bounded.

    Example:
        >>> nesting_depth({"a": [1, {"b": []}]})
        4
    """
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def expression_nesting(text: str) -> int:
    """How deep the parentheses of an expression go, plus its ``not`` words: a cheap scan of
    the raw text (quotes skipped) that runs before sqlglot's recursive parser may.

    Example:
        >>> expression_nesting("not (a = '((' or (b > 1))")
        3
    """
    depth = deepest = nots = 0
    quote: str | None = None
    word = ""
    for char in text + " ":
        if quote is not None:
            if char == quote:
                quote = None
            continue
        if char.isalnum() or char == "_":
            word += char
            continue
        if word.lower() == "not":
            nots += 1
        word = ""
        if char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    return deepest + nots


def tree_depth(root: Any) -> int:
    """Depth of a sqlglot tree (1 for a leaf), computed without recursion."""
    deepest = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter_expressions())
    return deepest


def too_deep(depth: int) -> str:
    """The message for an expression nested deeper than :data:`MAX_EXPRESSION_DEPTH`."""
    return (f"is nested {depth:,} levels deep: at most {MAX_EXPRESSION_DEPTH} (parentheses, "
            "'not', operators chained one after another); simplify it, e.g. a list of "
            "values as IN (…)")
