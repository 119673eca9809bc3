"""The figures of BENCHMARKS.md, registered on import, in the order they run and appear.

A new figure is a module here with one ``@figure``-decorated function, named below.
"""

from importlib import import_module

MODULES = ("tick_at_scale", "memory", "growth_with_history", "backtest",
           "dispatch_throughput", "compile_size")

for _module in MODULES:
    import_module(f"{__name__}.{_module}")
