"""Benchmarks of the journeys engine (issue 3): ``python -m benchmarks`` or ``make bench``.

Each figure (``benchmarks/figures/``) measures one target of the issue and rewrites its own
section of ``BENCHMARKS.md`` with the figure, its baseline from the same run, the target,
the machine and the command behind it. Not timed tests: nothing here fails on a number.
"""
