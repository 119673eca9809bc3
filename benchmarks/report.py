"""BENCHMARKS.md: each figure owns one marked section, rewritten in place by its run.

Everything outside the markers (the introduction, the analysis notes) is left as written,
so a run of one figure never disturbs the others' results.
"""

from __future__ import annotations

import re

from benchmarks.harness import Figure, Result, Row, Target, Unit

HEADER = "# Benchmarks\n"


def begin_marker(name: str) -> str:
    return f"<!-- benchmark:{name} -->"


def end_marker(name: str) -> str:
    return f"<!-- /benchmark:{name} -->"


def replace_section(document: str, name: str, section: str) -> str:
    """``document`` with the section ``name`` replaced by ``section`` (markers included),
    or with ``section`` appended when the document has none yet.

    Example:
        >>> doc = "# B\\n\\n<!-- benchmark:x -->\\nold\\n<!-- /benchmark:x -->\\n\\ntail\\n"
        >>> new = "<!-- benchmark:x -->\\nnew\\n<!-- /benchmark:x -->"
        >>> print(replace_section(doc, "x", new))
        # B
        <BLANKLINE>
        <!-- benchmark:x -->
        new
        <!-- /benchmark:x -->
        <BLANKLINE>
        tail
        <BLANKLINE>
    """
    begin, end = begin_marker(name), end_marker(name)
    if not (section.startswith(begin) and section.rstrip().endswith(end)):
        raise ValueError(f"a section of '{name}' must start with {begin} and end with {end}")
    starts, ends = document.count(begin), document.count(end)
    if starts != ends or starts > 1:
        raise ValueError(f"BENCHMARKS.md has {starts} start and {ends} end marker(s) of "
                         f"'{name}': fix them by hand")
    if starts == 0:
        body = document.rstrip("\n") if document.strip() else HEADER.rstrip("\n")
        return f"{body}\n\n{section.rstrip()}\n"
    head, rest = document.split(begin, 1)
    _, tail = rest.split(end, 1)
    return head + section.rstrip() + tail


def sections(document: str) -> list[str]:
    """Names of the figure sections in ``document``, in order.

    Example:
        >>> sections("<!-- benchmark:a -->\\n<!-- /benchmark:a -->\\n<!-- benchmark:b -->")
        ['a', 'b']
    """
    return re.findall(r"<!-- benchmark:([a-z0-9_]+) -->", document)


def fmt(value: float, unit: Unit) -> str:
    """A value for people: seconds below one as ms, bytes as kB/MB/GB, counts with commas.

    Example:
        >>> [fmt(0.8532, "s"), fmt(2.345, "s"), fmt(612.0, "s"), fmt(1.5e9, "bytes"),
        ...  fmt(3.5e8, "bytes"), fmt(45_310, "bytes"), fmt(1234567, "count"),
        ...  fmt(3.14159, "x")]
        ['853 ms', '2.35 s', '612 s', '1.50 GB', '350 MB', '45 kB', '1,234,567', '3.14×']
    """
    if unit == "s":
        if value < 1:
            return f"{value * 1000:.0f} ms"
        return f"{value:.2f} s" if value < 10 else f"{value:.1f} s" if value < 100 else \
            f"{value:.0f} s"
    if unit == "bytes":
        if value < 1e6:  # generated SQL (compile_size)
            return f"{value / 1e3:.0f} kB"
        return f"{value / 1e9:.2f} GB" if value >= 1e9 else f"{value / 1e6:.0f} MB"
    if unit == "count":
        return f"{round(value):,}"
    return f"{value:.2f}×" if value < 10 else f"{value:.0f}×"


def _target(target: Target, unit: Unit) -> str:
    if target.on == "ratio":
        return f"≤ {target.limit:g}× the baseline"
    if unit == "bytes":
        return f"≤ {target.limit / 1e9:g} GB"
    return f"≤ {target.limit:g}{' s' if unit == 's' else ''}"


def render_rows(rows: list[Row]) -> str:
    """The figures as a markdown table: value, baseline, ratio, target, met.

    Example:
        >>> print(render_rows([Row("tick", 2.0, "s", ("floor", 0.5), Target(3, "ratio"))]))
        | figure | value | baseline | ratio | target | met |
        | --- | ---: | --- | ---: | --- | --- |
        | tick | 2.00 s | floor: 500 ms | 4.00× | ≤ 3× the baseline | **no** |
    """
    lines = ["| figure | value | baseline | ratio | target | met |",
             "| --- | ---: | --- | ---: | --- | --- |"]
    for row in rows:
        baseline = f"{row.baseline[0]}: {fmt(row.baseline[1], row.unit)}" if row.baseline else "—"
        ratio = fmt(row.ratio, "x") if row.ratio is not None else "—"
        target = _target(row.target, row.unit) if row.target else "—"
        met = {True: "yes", False: "**no**", None: "—"}[row.met]
        lines.append(f"| {row.what} | {fmt(row.value, row.unit)} | {baseline} | {ratio} | "
                     f"{target} | {met} |")
    return "\n".join(lines)


def render_dominated(dominated: dict[str, list[tuple[str, float]]]) -> str:
    """One bullet per heading listing its top entries with their times.

    Example:
        >>> print(render_dominated({"tick": [("a", 1.5), ("b", 0.25)]}))
        - tick: `a` 1.50 s, `b` 250 ms
    """
    return "\n".join(
        f"- {heading}: " + ", ".join(f"`{name}` {fmt(seconds, 's')}" for name, seconds in tops)
        for heading, tops in dominated.items() if tops)


def render_section(fig: Figure, result: Result, *, measured: str, machine: str, code: str,
                   command: str) -> str:
    """The whole marked section of one figure."""
    parts = [begin_marker(fig.name), f"## {fig.title} (`{fig.name}`)", fig.summary,
             render_rows(result.rows)]
    if result.facts:
        parts.append("Also measured:\n\n" + "\n".join(f"- {k}: {v}" for k, v in result.facts))
    parts.extend(result.tables)
    if result.dominated:
        parts.append("What dominated:\n\n" + render_dominated(result.dominated))
    if result.notes:
        parts.append("\n".join(f"- {note}" for note in result.notes))
    parts.append(f"Measured {measured} on {machine}. Code: {code}.")
    ran = "\n".join(result.commands)
    parts.append(f"Reproduce: `{command}` (`make bench` runs every figure)."
                 + (f" It ran:\n\n```sh\n{ran}\n```" if ran else ""))
    parts.append(end_marker(fig.name))
    return "\n\n".join(p for p in parts if p) + "\n"
