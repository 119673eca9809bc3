"""Warehouse-native customer journey engine.

Specs in ``journey_specs/`` are validated (:mod:`journeys.validation`), compiled into sqlglot
trees and dbt models (:mod:`journeys.compiler`) and run tick by tick (:mod:`journeys.tick`).
"""

from __future__ import annotations

__version__ = "0.1.0"
