"""How dbt nodes look in Dagster: a group per journey, the contract outputs together."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_dbt import DagsterDbtTranslator

GROUPS = {"outputs": "journey_outputs", "staging": "journey_staging",
          "governance": "journey_governance"}
SOURCES_GROUP = "warehouse_inputs"
AUDIENCES_GROUP = "audiences"


class JourneysTranslator(DagsterDbtTranslator):
    """Groups: the journey's id for its models (``meta.journeys_group``, set by the
    compiler), ``journey_outputs`` for the C7 tables, ``journey_governance`` for C9's,
    ``journey_staging``, ``audiences``
    for hand-written audience models, ``warehouse_inputs`` for the C3 sources."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props.get("resource_type") == "source":
            return SOURCES_GROUP
        group = (dbt_resource_props.get("meta") or {}).get("journeys_group") or (
            dbt_resource_props.get("config", {}).get("meta") or {}).get("journeys_group")
        if group:
            return GROUPS.get(group, group)
        return AUDIENCES_GROUP
