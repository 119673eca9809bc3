"""Columns of every table the engine writes: the C7 outputs and the per-journey state.

One definition per table, used for the queries' column order, the typed empty relations
read before the first tick, and the dbt YAML (docs and tests).
"""

from __future__ import annotations

from sqlglot import exp

from journeys.compiler import dialect
from journeys.compiler.plan import ColumnDoc as C

TILE_TYPES = ("entry", "wait", "branch", "split", "action", "update_profile", "webhook",
              "sub_journey", "exit")
VIAS_NOTE = "entry, next, yes, no, timeout, exit_criteria or a split path name"
EXIT_REASONS = ("completed", "goal", "event", "audience_exit", "timeout", "manual")
STATUSES = ("active", "completed", "exited")

ENTRY_KEY = (
    C("member_id", "varchar", "The member (profiles.member_id).", not_null=True),
    C("entry_seq", "integer", "1 for a member's first entry into the journey, then 2, 3 …",
      not_null=True),
)

OPEN_ENTRIES = (
    *ENTRY_KEY,
    C("entered_journey_at", "timestamp", "Logical entry time (S3).", not_null=True),
    C("tile_id", "varchar", "The tile the member is at.", not_null=True),
    C("entered_tile_at", "timestamp", "Logical arrival time at that tile.", not_null=True),
    C("updated_tick_at", "timestamp", "Clock of the tick that last moved this entry.",
      not_null=True),
)

MEMBERS = (
    C("member_id", "varchar", "A member who ever entered the journey.", not_null=True),
    C("last_entry_seq", "integer", "entry_seq of the member's latest entry.", not_null=True),
    C("last_exited_at", "timestamp", "When the member's latest ended entry ended."),
    C("updated_tick_at", "timestamp", "Clock of the tick that last changed this row.",
      not_null=True),
)

CLOCK = (
    C("run_at", "timestamp", "A tick clock T (one row per clock of the run; dbt runs one).",
      not_null=True),
    C("prev_tick_at", "timestamp", "Clock of the tick before T (null before the first)."),
    C("prior_tick_at", "timestamp", "Clock of the journey's last tick before this run."),
    C("activated_at", "timestamp", "Clock of the journey's first tick (S3).", not_null=True),
    C("is_due", "boolean", "Whether T is after the journey's last tick (S1).", not_null=True),
)

ADMITTED = (
    *ENTRY_KEY,
    C("entered_journey_at", "timestamp", "Logical entry time (S3).", not_null=True),
    C("tile_id", "varchar", "The entry tile.", not_null=True),
    C("entered_tile_at", "timestamp", "Same as entered_journey_at.", not_null=True),
    C("entry_source", "varchar", "What admitted the member.", not_null=True,
      accepted_values=("event", "sub_journey", "manual", "audience")),
    C("tick_at", "timestamp", "Clock of the tick that admitted the entry.", not_null=True),
)

JOURNEY_STEPS = (
    C("journey_id", "varchar", "The journey.", not_null=True),
    C("spec_version", "varchar", "Content hash of the spec that produced the step.",
      not_null=True),
    *ENTRY_KEY,
    C("tile_id", "varchar", "The tile reached (_exit for an early exit).", not_null=True),
    C("tile_type", "varchar", "Type of that tile.", not_null=True, accepted_values=TILE_TYPES),
    C("from_tile", "varchar", "The tile the member came from (null on entry)."),
    C("via", "varchar", f"The edge taken: {VIAS_NOTE}.", not_null=True),
    C("entered_at", "timestamp", "Logical time of the step (S2).", not_null=True),
    C("exit_reason", "varchar", "Set on the row that ends the entry.",
      accepted_values=EXIT_REASONS),
    C("tick_at", "timestamp", "Clock of the tick that computed the step.", not_null=True),
)

JOURNEY_STATE = (
    C("journey_id", "varchar", "The journey.", not_null=True),
    *ENTRY_KEY,
    C("status", "varchar", "active, completed (reached an exit tile) or exited (S15).",
      not_null=True, accepted_values=STATUSES),
    C("tile_id", "varchar", "Current tile; for an ended entry the exit tile or the tile it "
      "left from.", not_null=True),
    C("entered_tile_at", "timestamp", "Logical arrival at that tile.", not_null=True),
    C("entered_journey_at", "timestamp", "Logical entry time.", not_null=True),
    C("exited_at", "timestamp", "When the entry ended (null while active)."),
    C("exit_reason", "varchar", "Why it ended.", accepted_values=EXIT_REASONS),
    C("updated_tick_at", "timestamp", "Clock of the tick that last changed the entry.",
      not_null=True),
)

DUE_ACTIONS = (
    C("action_id", "varchar", "md5 of journey_id:member_id:entry_seq:tile_id: the "
      "idempotency key of the delivery.", not_null=True),
    C("journey_id", "varchar", "The journey.", not_null=True),
    *ENTRY_KEY,
    C("tile_id", "varchar", "The action or webhook tile.", not_null=True),
    C("tile_type", "varchar", "action or webhook.", not_null=True,
      accepted_values=("action", "webhook")),
    C("destination", "varchar", "Destination name in _destinations.yml.", not_null=True),
    C("action", "varchar", "send_email, send_sms, send_push or custom_api.", not_null=True,
      accepted_values=("send_email", "send_sms", "send_push", "custom_api")),
    C("template", "varchar", "Template id at the destination (null for webhooks)."),
    C("payload", "json", "Template fields or webhook body, from the profile at the tick.",
      not_null=True),
    C("due_at", "timestamp", "Logical time the action fell due.", not_null=True),
    C("tick_at", "timestamp", "Clock of the tick that emitted it.", not_null=True),
)

PROFILE_UPDATES = (
    C("action_id", "varchar", "md5 of journey_id:member_id:entry_seq:tile_id.", not_null=True),
    C("journey_id", "varchar", "The journey.", not_null=True),
    *ENTRY_KEY,
    C("tile_id", "varchar", "The update_profile tile.", not_null=True),
    C("column_name", "varchar", "Profile column to set.", not_null=True),
    C("value", "varchar", "New value as text (null sets null)."),
    C("updated_at", "timestamp", "Logical time of the update.", not_null=True),
    C("tick_at", "timestamp", "Clock of the tick that emitted it.", not_null=True),
)

JOURNEY_TICKS = (
    C("journey_id", "varchar", "The journey.", not_null=True),
    C("tick_at", "timestamp", "The tick clock.", not_null=True),
    C("entered", "bigint", "New entries.", not_null=True),
    C("advanced", "bigint", "Steps taken, entry and early-exit rows excluded.", not_null=True),
    C("exited", "bigint", "Entries that ended (completed or exited).", not_null=True),
    C("actions", "bigint", "Due actions emitted.", not_null=True),
    C("duration_ms", "bigint", "Wall time of the tick, filled in by the runner."),
)


def names(columns: tuple[C, ...]) -> list[str]:
    return [c.name for c in columns]


OUTCOMES = ("send", "deferred", "suppressed")
GOVERNANCE_REASONS = ("holdout", "suppression_list", "consent", "exited", "quiet_hours",
                      "frequency_cap")

GOVERNED_ACTIONS = (
    *DUE_ACTIONS[:-1],
    C("due_tick_at", "timestamp", "Clock of the tick that emitted the action.", not_null=True),
    C("channel", "varchar", "email, sms, push or webhook (from action).", not_null=True,
      accepted_values=("email", "sms", "push", "webhook")),
    C("outcome", "varchar", "send (dispatch sends it), deferred (quiet hours: decided again "
      "at every tick until released) or suppressed (never sent).", not_null=True,
      accepted_values=OUTCOMES),
    C("reason", "varchar", "Why it is deferred or suppressed (C9).",
      accepted_values=GOVERNANCE_REASONS),
    C("deferred_until", "timestamp", "End of the quiet hours it waits for (UTC)."),
    C("carried", "boolean", "Whether it was deferred at the previous decision (dispatch "
      "logs a deferral once).", not_null=True),
    C("tick_at", "timestamp", "Clock of the tick that decided.", not_null=True),
    C("decision_seq", "bigint", "Which run decided (1, 2, …): several runs may decide at one "
      "clock when journeys tick in jobs of their own; dispatch reads the new ones.",
      not_null=True),
)

GOVERNANCE_BLOCKS = (
    C("member_id", "varchar", "A member who may not be contacted now.", not_null=True),
    C("channel", "varchar", "The channel blocked, or any.", not_null=True),
    C("reason", "varchar", "suppression_list or consent.", not_null=True,
      accepted_values=("suppression_list", "consent")),
    C("block_rank", "integer", "Which reason is recorded when several hold (lowest).",
      not_null=True),
)

DELIVERY_LOG_READ = (
    C("action_id", "varchar"),
    C("status", "varchar"),
    C("attempted_at", "timestamp"),
)
"""The columns of ``delivery_log`` (written by dispatch) that governance reads."""


def empty_log(name: str) -> exp.Query:
    """A typed empty relation of a log table's read columns (before the first dispatch);
    the dbt side is the ``journeys_log`` macro."""
    columns = {"delivery_log": DELIVERY_LOG_READ}[name]
    return exp.select(*[exp.alias_(dialect.typed_null(c.type), c.name) for c in columns]) \
        .where(exp.false())
