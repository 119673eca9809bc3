"""A runnable demo: a synthetic warehouse for the seed journeys, and a per-tile report."""

from __future__ import annotations
