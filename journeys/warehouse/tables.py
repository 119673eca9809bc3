"""Columns of every table the engine writes: the C7 outputs and the per-journey state.

One definition per table, used for the queries' column order, the typed empty relations
read before the first tick, and the dbt YAML (docs and tests).
"""

from __future__ import annotations

from sqlglot import exp

from journeys.compiler.plan import ColumnDoc as C
from journeys.compiler.plan import empty_relation

TILE_TYPES = ("entry", "wait", "branch", "split", "action", "update_profile", "webhook",
              "sub_journey", "exit")
VIAS_NOTE = "entry, next, yes, no, timeout, exit_criteria or a split path name"
EXIT_REASONS = ("completed", "goal", "event", "audience_exit", "timeout", "manual")
STATUSES = ("active", "completed", "exited")
EXIT_TILE = "_exit"
"""The reserved tile of an early exit's step (C7)."""
HOLDOUT_TILE = "_holdout"
"""The A/B readout's tile for the global holdout against the members messaged."""

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
    C("activated_at", "timestamp", "Clock of the journey's first tick (S3); null while the "
      "journey has never ticked (a draft)."),
    C("is_due", "boolean", "Whether T is after the journey's last tick (S1) and the journey "
      "ticks in its state (active or archived, S18).", not_null=True),
    C("state", "varchar", "The journey's lifecycle state (S18; draft without a "
      "journey_control row).", not_null=True,
      accepted_values=("draft", "active", "paused", "archived")),
    C("control_seq", "integer", "Number of the journey_control change in force (0 before any).",
      not_null=True),
    C("reopened_at", "timestamp", "After a resume, its logical time: the earlier of its "
      "wall time and the clock of the first tick since. Entries from before it, back to "
      "paused_from, are not admitted (made while paused)."),
    C("paused_from", "timestamp", "After a resume, the pause's wall time when it is before "
      "reopened_at (ticks follow the wall clock); null in a simulation of the past, where "
      "everything since the last tick before the pause was paused."),
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
    C("control_seq", "integer", "The journey_control change in force at the tick (S18; the "
      "tick after a resume is the first with that change's number).", not_null=True),
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

JOURNEY_CONTROL: tuple[tuple[str, str], ...] = (
    ("journey_id", "varchar"),
    ("control_seq", "integer"),
    ("action", "varchar"),
    ("state", "varchar"),
    ("spec_version", "varchar"),
    ("actor", "varchar"),
    ("changed_at", "timestamp"),
    ("detail", "varchar"),
)
"""``journeys.journey_control`` (S18), the lifecycle's audit trail, one row per change, written
by `journeys activate|pause|resume|archive|migrate` and the API, read by every tick:
``control_seq`` numbers a journey's changes 1, 2 …, ``state`` is the state after the change,
``changed_at`` the wall time (UTC) and ``actor`` who made it; ``detail`` is JSON text (a
migration's moves). Created empty by the tool, like the manual requests (C3)."""

DELIVERY_LOG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("action_id", "varchar"),
    ("attempt", "integer"),
    ("status", "varchar"),
    ("destination", "varchar"),
    ("http_status", "integer"),
    ("provider_message_id", "varchar"),
    ("error", "varchar"),
    ("attempted_at", "timestamp"),
    ("journey_id", "varchar"),
    ("member_id", "varchar"),
    ("tile_id", "varchar"),
    ("action", "varchar"),
    ("reason", "varchar"),
    ("next_attempt_at", "timestamp"),
    ("dispatch_id", "varchar"),
)
"""``delivery_log`` (C7), written by dispatch: the contract's columns first, then who and
what the action was, and why (C9 reasons). Defined here because the engine creates it
empty before the first dispatch, so that the views reading it (the tile statistics) see
every later dispatch."""

DELIVERY_LOG_READ = (
    C("action_id", "varchar"),
    C("attempt", "integer"),
    C("status", "varchar"),
    C("attempted_at", "timestamp"),
    C("journey_id", "varchar"),
    C("tile_id", "varchar"),
)
"""The columns of ``delivery_log`` (written by dispatch) that governance and the tile
statistics read."""


def empty_log(name: str) -> exp.Query:
    """A typed empty relation of a log table's read columns (before the first dispatch);
    the dbt side is the ``journeys_log`` macro."""
    return empty_relation({"delivery_log": DELIVERY_LOG_READ}[name])


# --- metrics (C7 journey_tile_stats, journey_metrics; the A/B readout) ------------------------

JOURNEY_CONVERSIONS = (
    C("journey_id", "varchar", "The journey (one with a goal).", not_null=True),
    *ENTRY_KEY,
    C("converted_at", "timestamp", "When the entry reached the goal: the first goal event "
      "between its entry and its exit, or for a goal condition the clock of the first tick "
      "(while the entry was open) at which it held.", not_null=True),
    C("tick_at", "timestamp", "Clock of the tick that saw the conversion.", not_null=True),
)

STEP_COUNTS = (
    C("journey_id", "varchar", "The journey.", not_null=True),
    C("tick_at", "timestamp", "Clock of the tick that took the steps.", not_null=True),
    C("tile_id", "varchar", "The tile reached (_exit for early exits).", not_null=True),
    C("tile_type", "varchar", "Its type.", not_null=True, accepted_values=TILE_TYPES),
    C("from_tile", "varchar", "The tile left (null on entry)."),
    C("via", "varchar", f"The edge taken: {VIAS_NOTE}.", not_null=True),
    C("exit_reason", "varchar", "Set on steps that ended an entry.",
      accepted_values=EXIT_REASONS),
    C("steps", "bigint", "How many steps.", not_null=True),
)

ENTRY_COUNTS = (
    C("journey_id", "varchar", "The journey.", not_null=True),
    C("tick_at", "timestamp", "Clock of the tick at which the entries ended.", not_null=True),
    C("status", "varchar", "completed or exited.", not_null=True,
      accepted_values=("completed", "exited")),
    C("exit_reason", "varchar", "Why they ended.", not_null=True, accepted_values=EXIT_REASONS),
    C("entries", "bigint", "How many entries ended.", not_null=True),
    C("duration_s", "double", "Their summed time in the journey, entry to exit, in seconds.",
      not_null=True),
)

SPLIT_ENTRIES = (
    C("journey_id", "varchar", "The journey.", not_null=True),
    C("tile_id", "varchar", "The split tile, or _holdout.", not_null=True),
    C("path", "varchar", "The arm the entry is in: the path it took; holdout or messaged.",
      not_null=True),
    *ENTRY_KEY,
    C("assigned_at", "timestamp", "When it took the path (its entry, for the holdout): only "
      "conversions from then on count for the arm.", not_null=True),
    C("tick_at", "timestamp", "Clock of the tick that took the step.", not_null=True),
)

DELIVERY_STATUSES = ("sent", "failed", "dead", "unknown", "retrying", "suppressed", "deferred")

TILE_STATS = (
    C("journey_id", "varchar", "The journey.", not_null=True),
    C("tile_id", "varchar", "A tile of the spec (or one an earlier version had).",
      not_null=True),
    C("tile_type", "varchar", "Its type.", not_null=True, accepted_values=TILE_TYPES),
    C("depth", "integer", "Its column in the journey picture: edges on the longest path from "
      "the entry (null for a tile no longer in the spec)."),
    C("tile_order", "integer", "Its place when the tiles are read in flow order."),
    C("reached", "bigint", "Steps that reached the tile (an entry counts once).",
      not_null=True),
    C("active", "bigint", "Entries in step at the tile now (waiting there).", not_null=True),
    C("passed_through", "bigint", "Steps that left the tile for another tile.", not_null=True),
    C("exited_here", "bigint", "Entries that ended at the tile: completed at this exit tile, "
      "or exited early (S15) while at it.", not_null=True),
    C("exited_early_here", "bigint", "Of exited_here, the early exits (S15).", not_null=True),
    C("branch_distribution", "varchar", "For a tile with several ways out (branch, split, "
      "wait with a timeout): JSON object of edge label to steps out, in the spec's order, "
      "e.g. {\"yes\": 120, \"no\": 80}; null for other tiles."),
    C("actions_due", "bigint", "Actions the tile emitted (action and webhook tiles).",
      not_null=True),
    C("sent", "bigint", "Of those, delivered (latest delivery_log status sent).",
      not_null=True),
    C("delivery_errors", "bigint", "Whose latest attempt failed: failed, dead, unknown or "
      "retrying.", not_null=True),
    C("retrying", "bigint", "Of the errors, those with another attempt scheduled.",
      not_null=True),
    C("gave_up", "bigint", "Of the errors, those that will not be retried (failed: refused "
      "for good; dead: retries exhausted).", not_null=True),
    C("suppressed", "bigint", "Not sent on purpose (exited, or a governance reason).",
      not_null=True),
    C("deferred", "bigint", "Held back by quiet hours, to be sent later.", not_null=True),
)

JOURNEY_METRICS = (
    C("journey_id", "varchar", "The journey.", not_null=True),
    C("journey_name", "varchar", "Its name in the spec.", not_null=True),
    C("entered", "bigint", "Entries ever (a re-entry counts again).", not_null=True),
    C("active", "bigint", "Entries in the journey now.", not_null=True),
    C("completed", "bigint", "Entries that reached an exit tile.", not_null=True),
    C("exited_early", "bigint", "Entries that left by an exit criterion (S15).",
      not_null=True),
    C("converted", "bigint", "Entries that reached the goal during the entry (0 without a "
      "goal).", not_null=True),
    C("conversion_rate", "double", "converted / entered (null before any entry or without a "
      "goal)."),
    C("avg_duration_s", "double", "Mean time from entry to exit of the entries that ended, "
      "in seconds (null before any ended)."),
    C("last_tick_at", "timestamp", "Clock of the journey's last tick."),
)

SPLIT_READOUT = (
    C("journey_id", "varchar", "The journey.", not_null=True),
    C("tile_id", "varchar", "The split tile, or _holdout for the global holdout against "
      "the members messaged.", not_null=True),
    C("path", "varchar", "The arm: a path of the split; holdout or messaged.", not_null=True),
    C("is_baseline", "boolean", "Whether this arm is the one the others are compared with: "
      "the split's first path, or the holdout.", not_null=True),
    C("baseline_path", "varchar", "The baseline arm of the comparison.", not_null=True),
    C("entered", "bigint", "Entries that took the path (or entries of the group).",
      not_null=True),
    C("converted", "bigint", "Of those, entries that reached the goal after taking the path "
      "(null without a goal)."),
    C("conversion_rate", "double", "converted / entered."),
    C("diff", "double", "conversion_rate minus the baseline's (null for the baseline)."),
    C("ci_low", "double", "Lower end of the 95% interval of diff (normal approximation, "
      "unpooled: diff ± 1.96 × sqrt(p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀))."),
    C("ci_high", "double", "Upper end of that interval."),
)
