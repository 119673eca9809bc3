"""Dagster definitions of the journeys project (`dagster dev -w workspace.yaml`)."""
