"""Spec text in dbt files stays text: the one escape for Jinja.

dbt renders every model and properties file as Jinja before anything reaches the warehouse.
A ``{{ … }}`` or ``{% … %}`` inside a spec's string literal, field key, event name,
property key, comment or journey name would run there as code (``run_query``, ``env_var``)
on the dbt path, while the in-process engine, which renders no Jinja, reads it as text.

So every generated file is written as text in which the only live Jinja is what the compiler
means (refs, sources, the clock var, the config block). SQL is generated with a marker in
place of each piece of the compiler's Jinja; then every ``{`` of the text that could open a
Jinja tag is escaped (:func:`escape_jinja`); then the markers become the Jinja. A marker
cannot be forged by spec text: its salt is chosen above any the text spells
(:func:`with_live_jinja`), so a spec string that spells a marker, a placeholder table
(``__ref__x``) or the clock token stays text too.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlglot import exp

_OPENS_TAG = re.compile(r"\{(?=[{%#])")
_SPELLED_SALT = re.compile(r"_jinja(\d+)x")
ESCAPED_BRACE = "{{ '{' }}"
"""A ``{`` as Jinja that renders to ``{``: no quote of SQL's or YAML's is needed to read it
(it is rendered away before the warehouse or YAML parser sees the text)."""


def escape_jinja(text: str) -> str:
    """``text`` as Jinja that renders to exactly ``text``: each ``{`` that would open a tag
    (``{{``, ``{%``, ``{#``) becomes ``{{ '{' }}``; nothing else changes.

    Example:
        >>> escape_jinja("hi {{ env_var('X') }}, {'a': 1}")
        "hi {{ '{' }}{ env_var('X') }}, {'a': 1}"
        >>> from jinja2 import Environment
        >>> text = "{% do run_query('drop') %}{#c#}{{{x}}}"
        >>> Environment().from_string(escape_jinja(text)).render() == text
        True
    """
    return _OPENS_TAG.sub(ESCAPED_BRACE, text)


class LiveJinja:
    """The compiler's own Jinja of one file, each piece behind a marker until the file's
    text is escaped."""

    def __init__(self, salt: int) -> None:
        self._salt = salt
        self._pieces: list[str] = []
        self._marker = re.compile(rf"_jinja{salt}x(\d+)_")

    def mark(self, jinja: str) -> exp.Var:
        """A bare SQL token that stands for ``jinja`` in the generated text."""
        self._pieces.append(jinja)
        return exp.Var(this=f"_jinja{self._salt}x{len(self._pieces) - 1}_")

    def resolve(self, escaped: str) -> str | None:
        """``escaped`` with each marker replaced by its Jinja; None when the text holds
        another set of markers than those placed (spec text spelled one: try another salt)."""
        found = sorted(int(i) for i in self._marker.findall(escaped))
        if found != list(range(len(self._pieces))):
            return None
        return self._marker.sub(lambda m: self._pieces[int(m.group(1))], escaped)


def with_live_jinja(generate: Callable[[LiveJinja], str]) -> str:
    """The text ``generate`` writes (placing the compiler's Jinja with
    :meth:`LiveJinja.mark`), escaped for Jinja, with only the marked Jinja live.

    The text is written with salt 0; when it holds other markers than those placed (spec
    text spelled ``_jinja0x…``), once more with a salt above every salt the text spells, so
    that no text can spell the new one. Two writes at most, whatever the spec.

    Example:
        >>> from sqlglot import exp
        >>> def sql(live):
        ...     table = exp.Table(this=live.mark("{{ ref('a') }}"))
        ...     forged = exp.Literal.string("_jinja0x0_ {{ env_var('X') }}")
        ...     return exp.select(forged).from_(table).sql()
        >>> with_live_jinja(sql)
        "SELECT '_jinja0x0_ {{ '{' }}{ env_var(''X'') }}' FROM {{ ref('a') }}"
    """
    live = LiveJinja(0)
    text = escape_jinja(generate(live))
    resolved = live.resolve(text)
    if resolved is not None:
        return resolved
    live = LiveJinja(1 + max(int(salt) for salt in _SPELLED_SALT.findall(text)))
    resolved = live.resolve(escape_jinja(generate(live)))
    if resolved is None:  # the generator wrote a marker twice or dropped one: a compiler bug
        raise AssertionError("the SQL writer repeated or lost a piece of the compiler's Jinja")
    return resolved
