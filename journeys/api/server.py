"""`journeys serve`: the API under uvicorn, with its request log and without uvicorn's
access log (which prints paths, and a path may hold a member id)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from journeys.settings import Settings


def log_config() -> dict[str, Any]:
    """uvicorn's logging, plus the API's own request log (``journeys.api``)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["journeys.api"] = {"handlers": ["default"], "level": "INFO",
                                         "propagate": False}
    return config


def serve(settings: Settings, keys: Mapping[str, str], host: str, port: int) -> None:
    """Serve the API until interrupted."""
    import uvicorn

    from journeys.api import create_app

    uvicorn.run(create_app(settings, keys), host=host, port=port, access_log=False,
                log_config=log_config())
