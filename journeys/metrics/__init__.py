"""Journey metrics (C7 ``journey_tile_stats``, ``journey_metrics``, the A/B readout), as read
back from the warehouse for ``journeys status``, ``journeys render`` and Dagster."""
