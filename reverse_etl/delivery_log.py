"""The delivery log (C7 ``delivery_log``): one row per delivery attempt, append-only.

Its latest row per action says where the action stands. Final statuses: ``sent``,
``failed`` (refused for good: a 4xx, a null template field, no recipient), ``dead`` (gave
up after the retry policy's attempts), ``unknown`` (may or may not have arrived, and the
destination is at-most-once), ``suppressed`` (not sent on purpose; ``reason`` says why:
``exited`` (S15b) or a governance reason of C9). ``retrying`` is not final: another attempt
follows at ``next_attempt_at``; nor is ``deferred`` (quiet hours: governance decides again
at every tick and releases it at ``next_attempt_at``, the window's end). Governance's rows
have ``attempt`` 0 and the deciding tick's clock as ``attempted_at``: no request was made.
The next tick, governance and BI read it from the warehouse.
"""

from __future__ import annotations

from enum import StrEnum

from journeys.warehouse.tables import DELIVERY_LOG_COLUMNS


class Status(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"
    UNKNOWN = "unknown"
    SUPPRESSED = "suppressed"
    RETRYING = "retrying"
    DEFERRED = "deferred"


FINAL = frozenset({Status.SENT, Status.FAILED, Status.DEAD, Status.UNKNOWN, Status.SUPPRESSED})

COLUMNS = DELIVERY_LOG_COLUMNS
