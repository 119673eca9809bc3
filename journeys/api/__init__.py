"""The REST API (`journeys serve`): the CLI's operations over HTTP, for other tools.

Journeys, their specs and lifecycle, manual membership and numbers under ``/api/v1``, with
API keys (``JOURNEYS_API_KEYS``). Specs stay files in ``journey_specs/``: the API writes
drafts there, validated as `journeys validate` validates them.
"""

from journeys.api.app import create_app

__all__ = ["create_app"]
