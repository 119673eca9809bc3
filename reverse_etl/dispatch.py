"""Dispatch: every due action without a final delivery goes to its destination, once, and
every attempt is logged (CONTRACT C7, C8, S15b).

A dispatch holds the warehouse's tick lease (no tick runs meanwhile; a second dispatch
waits or is refused), then:

1. rolls back a tick a crash left half-done, and settles what a killed dispatch left
   (:func:`reverse_etl.intents.recover`: only its requests in flight are uncertain);
2. takes governance's decisions since the last dispatch (C9): queues the actions released,
   logs the suppressed and the deferred; then suppresses queued actions of entries that
   exited early (S15b) and of members who may not be contacted now (consent withdrawn or
   suppressed since the tick);
3. reads the secrets of the destinations it will use: a missing one stops it here, before
   anything is sent;
4. sends in rounds (1,000 actions, more for batching destinations: enough to fill their
   concurrency with full batches): claim the round's actions, then per request commit
   its intent just before it leaves and its outcome as it returns (group-committed with
   the requests leaving or returning at the same moment), and at the round's end log the
   outcomes and settle the queue in one transaction. Memory holds one round;
5. waits for retries due within the retry policy's ``max_wait_seconds``; later ones are
   left, queued, for the next dispatch.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from journeys.redaction import Redactor, member_values
from journeys.settings import Settings, read_secrets
from journeys.validation.destinations_file import DESTINATIONS_FILE
from journeys.validation.governance_file import GOVERNANCE_FILE
from journeys.warehouse import journal
from journeys.warehouse.clock import now_clock
from journeys.warehouse.connect import FILE_WAIT_S, connect
from reverse_etl import intents, queue
from reverse_etl.actions import DueAction
from reverse_etl.delivery_log import Status
from reverse_etl.destinations.base import Destination, OutgoingRequest
from reverse_etl.destinations.registry import build_all, secret_names
from reverse_etl.group_commit import GroupCommit
from reverse_etl.outcomes import Outcome
from reverse_etl.policy import Decision, decide
from reverse_etl.sender import ClientFactory, Journal, Sender, one_connection_client

ROUND_SIZE = 1000
MAX_ROUND_SIZE = 4000
"""A round's Python objects cost about 10 KB an action: 4,000 keep a dispatch of a million
SendGrid actions under 300 MB (282 MB, 61 s; 10,000 took 424 MB and 55 s)."""
MEMORY_LIMIT = "64MB"
"""DuckDB's memory for a dispatch. Queueing a million actions otherwise takes DuckDB's
working memory to about 450 MB; at 64 MB it spills, and the dispatch is no slower."""


def round_size_for(destinations: Mapping[str, Destination]) -> int:
    """Actions per round: enough for every destination to fill its concurrency with full
    batches (a SendGrid request carries up to 1,000), at least :data:`ROUND_SIZE`.

    Example:
        >>> class D:  # a destination's shape as far as rounds care
        ...     def __init__(self, batch, concurrency):
        ...         self.max_batch = batch
        ...         self.config = type("C", (), {"concurrency": concurrency,
        ...                                       "batch_size": batch})()
        >>> round_size_for({"hooks": D(1, 64)}), round_size_for({"email": D(1000, 16)})
        (1000, 4000)
    """
    widest = max((min(d.max_batch, getattr(d.config, "batch_size", d.max_batch))
                  * d.config.concurrency for d in destinations.values()), default=0)
    return max(ROUND_SIZE, min(MAX_ROUND_SIZE, widest))
ERROR_LENGTH = 300
"""The delivery log's ``error`` is cut to this length after its secrets, emails and phone
numbers are masked, never before; member data is masked in what is kept
(:meth:`journeys.redaction.Redactor.clean_cut`)."""
Checkpoint = Callable[[str], None]
"""Called at named points (``before_request``: its intent committed; ``after_request``:
answered, outcome not yet committed; ``after_log``: outcome committed; ``after_round``):
tests may stop the dispatcher there. Does nothing otherwise."""


class DispatchError(RuntimeError):
    """Dispatch cannot start (a missing secret, a recipient column the profiles lack):
    the message says what to fix; nothing was sent."""


@dataclass
class DispatchSummary:
    """What a dispatch did (or, dry, would do)."""

    dispatch_id: str
    dry_run: bool
    queued: int = 0
    recovered: dict[str, int] = field(default_factory=dict)
    by_destination: dict[str, Counter[str]] = field(default_factory=dict)
    requests: int = 0
    left_queued: int = 0
    held_paused: int = 0
    """Actions of paused journeys, held in the queue until the journey resumes (S18)."""
    elapsed_ms: int = 0
    dry_run_file: Path | None = None
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Actions not sent on purpose, by (status, reason): suppressed or deferred (C9)."""

    @property
    def by_status(self) -> Counter[str]:
        return sum(self.by_destination.values(), Counter())

    def count(self, destination: str, status: str, n: int = 1) -> None:
        self.by_destination.setdefault(destination, Counter())[status] += n

    def held(self, destination: str, status: str, reason: str, n: int = 1) -> None:
        """Count actions not sent on purpose, by destination and by (status, reason)."""
        self.count(destination, status, n)
        self.reasons[(status, reason)] += n


def _due_action(row: Mapping[str, Any], recipient_column: str | None) -> DueAction:
    payload = row["payload"]
    return DueAction(
        action_id=row["action_id"], journey_id=row["journey_id"], member_id=row["member_id"],
        entry_seq=row["entry_seq"], tile_id=row["tile_id"], tile_type=row["tile_type"],
        destination=row["destination"], action=row["action"], template=row["template"],
        payload=json.loads(payload) if isinstance(payload, str) else (payload or {}),
        due_at=row["due_at"], attempt=row["attempts"],
        recipient=row.get(f"recipient__{recipient_column}") if recipient_column else None)


def recipient_column(destination: Destination) -> str | None:
    return getattr(destination.config, "recipient_column", None)


@dataclass
class Round:
    """A round's actions, the requests carrying them, and those refused before sending."""

    actions: dict[str, DueAction] = field(default_factory=dict)
    solo: set[str] = field(default_factory=set)
    work: list[tuple[str, OutgoingRequest]] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


def prepare_round(rows: list[dict[str, Any]], destinations: Mapping[str, Destination]) -> Round:
    """A round's requests (batched where the provider allows, except actions whose batch
    was refused, which go alone), and the actions refused before sending, with why."""
    prepared = Round()
    groups: dict[tuple[str, bool], list[DueAction]] = {}
    for row in rows:
        action = _due_action(row, recipient_column(destinations[row["destination"]]))
        prepared.actions[action.action_id] = action
        if row["solo"]:
            prepared.solo.add(action.action_id)
        groups.setdefault((action.destination, bool(row["solo"])), []).append(action)
    for (name, solo), actions in sorted(groups.items()):
        for batch in ([[a] for a in actions] if solo else [actions]):
            requests = destinations[name].prepare(batch)
            prepared.work += [(name, r) for r in requests.requests]
            prepared.refused |= requests.refused
    return prepared


class Dispatcher:
    """One dispatch over an open connection (the caller holds the lease)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, destinations: dict[str, Destination],
                 redactor: Redactor, log: Callable[[str], None], summary: DispatchSummary,
                 round_size: int, clock: Callable[[], datetime], checkpoint: Checkpoint,
                 make_client: ClientFactory = one_connection_client) -> None:
        self.con, self.destinations, self.redactor = con, destinations, redactor
        self.log, self.summary, self.round_size = log, summary, round_size
        self.clock, self.checkpoint = clock, checkpoint
        self.make_client = make_client
        self.rng = random.Random()
        self.columns = sorted({c for d in destinations.values()
                               if (c := recipient_column(d)) is not None})

    async def run_rounds(self, max_wait_s: float) -> None:
        async with Sender(self.destinations, self.make_client) as sender:
            while True:
                started = self.clock()
                rows = queue.claim(self.con, self.round_size, started,
                                   self.summary.dispatch_id, self.columns)
                if not rows:
                    retry_at = queue.next_retry(self.con)
                    if retry_at is None:
                        return
                    wait = (retry_at - self.clock()).total_seconds()
                    if wait > max_wait_s:
                        self.log(f"{queue.pending(self.con)} action(s) wait for a retry at "
                                 f"{retry_at:%Y-%m-%d %H:%M:%S} UTC: left for the next "
                                 "dispatch")
                        return
                    await asyncio.sleep(max(0.0, wait) + 0.01)
                    continue
                await self._round(sender, rows, started)

    async def _round(self, sender: Sender, rows: list[dict[str, Any]],
                     started: datetime) -> None:
        prepared = prepare_round(rows, self.destinations)
        counts: Counter[str] = Counter()
        refused = [self.outcome_row(prepared.actions[action_id], Decision(Status.FAILED, why),
                                    started, None)
                   for action_id, why in prepared.refused.items()]
        intents.record(self.con, [], refused)
        counts.update(r["status"] for r in refused)
        journal = _RoundJournal(self, prepared, counts)
        try:
            await send_all(sender, prepared.work, journal)
        finally:
            # What was queued is committed before a failure goes further: the intent of a
            # request cancelled before or after it left is then uncertain, as after a kill
            # (its slot was held: within the in-flight bound).
            await journal.writes.idle()
        self.summary.requests += len(prepared.work)
        intents.settle(self.con)
        self.checkpoint("after_round")
        self.log(f"round of {len(rows)} action(s), {len(prepared.work)} request(s): "
                 + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))

    def outcome_row(self, action: DueAction, decision: Decision, attempted_at: datetime,
                    outcome: Outcome | None) -> dict[str, Any]:
        """The outcome row of one action's attempt (``reverse_etl.intents.OUTCOME_COLUMNS``:
        a delivery-log row, whether it is final, whether the next attempt goes alone),
        counted in the summary. ``outcome``'s message id has its secrets masked already
        (once per request, by :meth:`_RoundJournal.returned`).

        A provider's error (up to 10,000 characters) is the same for every action of its
        request: its secrets, emails and phones are masked once
        (:meth:`journeys.redaction.Redactor.clean_cut`), and each action's member data
        only in what the log keeps of it.
        """
        self.summary.count(action.destination, str(decision.status))
        values = member_values([action.payload, action.recipient])
        return {
            "action_id": action.action_id, "attempt": action.attempt,
            "status": str(decision.status), "destination": action.destination,
            "http_status": outcome.http_status if outcome else None,
            "provider_message_id": outcome.provider_message_id if outcome else None,
            "error": self.redactor.clean_cut(decision.error, values, ERROR_LENGTH),
            "attempted_at": attempted_at, "journey_id": action.journey_id,
            "member_id": action.member_id, "tile_id": action.tile_id,
            "action": action.action, "reason": None,
            "next_attempt_at": decision.next_attempt_at,
            "dispatch_id": self.summary.dispatch_id,
            "final": decision.final, "solo": decision.solo}


async def send_all(sender: Sender, work: list[tuple[str, OutgoingRequest]],
                   journal: Journal) -> None:
    """Send a round's requests concurrently. The first that fails cancels the others at
    once (none keeps sending while the sender closes its clients), and its exception is
    raised as it was, not inside an ``ExceptionGroup``."""
    try:
        async with asyncio.TaskGroup() as group:
            for name, request in work:
                group.create_task(sender.send(name, request, journal))
    except ExceptionGroup as failed:
        distinct = list({id(e): e for e in failed.exceptions}.values())
        if len(distinct) == 1:  # one failure (a failed commit fails all its writers alike)
            raise distinct[0] from None
        raise


class _RoundJournal:
    """A round's :class:`reverse_etl.sender.Journal`: intents and outcomes, group-committed
    together (:class:`reverse_etl.group_commit.GroupCommit`), with the tests' checkpoints."""

    def __init__(self, dispatcher: Dispatcher, prepared: Round, counts: Counter[str]) -> None:
        self.dispatcher, self.prepared, self.counts = dispatcher, prepared, counts
        self.writes = GroupCommit[tuple[bool, dict[str, Any]]](self._write, self._flush)
        self.left_at: dict[int, datetime] = {}

    def _flush(self, rows: list[tuple[bool, dict[str, Any]]]) -> None:
        """Make what was sent durable before its outcome is (the outbox's lines), on the
        event loop's thread, which writes them."""
        for name in {row["destination"] for is_outcome, row in rows if is_outcome}:
            self.dispatcher.destinations[name].flush()

    def _write(self, rows: list[tuple[bool, dict[str, Any]]]) -> None:
        """One transaction for the intents (``False``) and outcomes (``True``) of a turn."""
        intents.record(self.dispatcher.con, [row for is_outcome, row in rows if not is_outcome],
                       [row for is_outcome, row in rows if is_outcome])

    async def leaving(self, name: str, request: OutgoingRequest) -> None:
        d = self.dispatcher
        at = self.left_at[id(request)] = d.clock()
        await self.writes.add([
            (False, {"action_id": a, "attempt": self.prepared.actions[a].attempt,
                     "dispatch_id": d.summary.dispatch_id, "intended_at": at})
            for a in request.action_ids])
        d.checkpoint("before_request")

    def returned(self, name: str, request: OutgoingRequest,
                 outcome: Outcome) -> Awaitable[None]:
        d = self.dispatcher
        d.checkpoint("after_request")
        config, size, now = d.destinations[name].config, len(request.action_ids), d.clock()
        left_at = self.left_at.pop(id(request))
        shown = replace(outcome, provider_message_id=d.redactor.mask_secrets(
            outcome.provider_message_id))
        rows = []
        for action_id in request.action_ids:
            action = self.prepared.actions[action_id]
            rows.append(d.outcome_row(action, decide(outcome, action.attempt, size,
                                                     action_id in self.prepared.solo, config,
                                                     now, d.rng), left_at, shown))
        self.counts.update(r["status"] for r in rows)
        return self._committed(self.writes.add([(True, row) for row in rows]))

    async def _committed(self, written: Awaitable[None]) -> None:
        await written
        self.dispatcher.checkpoint("after_log")


def is_governed(settings: Settings) -> bool:
    """Whether the project has ``_governance.yml`` (C9): dispatch then takes governance's
    decisions; without it, the due actions themselves."""
    return (settings.project_root / GOVERNANCE_FILE).is_file()


def _redacted_log(log: Callable[[str], None], redactor: Redactor) -> Callable[[str], None]:
    return lambda line: log(redactor.clean(line) or "")


def dispatch(settings: Settings, configs: Mapping[str, Any], *, dry_run: bool = False,
             shown_destinations: str = str(DESTINATIONS_FILE),
             log: Callable[[str], None] = lambda _: None, round_size: int | None = None,
             clock: Callable[[], datetime] = now_clock, checkpoint: Checkpoint = lambda _: None,
             dry_run_file: Path | None = None,
             file_wait_s: float = FILE_WAIT_S) -> DispatchSummary:
    """Dispatch every due action without a final delivery (see the module's steps).

    The caller holds the tick lease. Raises :class:`DispatchError` (nothing sent) when a
    secret or a recipient column is missing.
    """
    begun = time.monotonic()
    summary = DispatchSummary(dispatch_id=uuid.uuid4().hex[:12], dry_run=dry_run)
    # A dry run only reads; it opens the file like everyone else in this process does.
    con = connect(settings.warehouse, wait_s=file_wait_s)
    # The limit is the database's, shared with any other connection of this process (the
    # demo's): put it back afterwards.
    before = con.execute("select current_setting('memory_limit')").fetchone()[0]
    con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
    destinations: dict[str, Destination] = {}
    try:
        if dry_run:
            _dry_run(con, settings, configs, summary, shown_destinations, dry_run_file,
                     round_size or ROUND_SIZE)
        else:
            destinations = _dispatch(con, settings, configs, summary, shown_destinations,
                                     log, round_size, clock, checkpoint)
    finally:
        for destination in destinations.values():
            destination.close()
        con.execute(f"set memory_limit = '{before}'")
        con.close()
    summary.elapsed_ms = int((time.monotonic() - begun) * 1000)
    return summary


def _check_recipients(con: duckdb.DuckDBPyConnection,
                      destinations: Mapping[str, Destination], shown: str) -> None:
    have = queue.profile_columns(con)
    for name, destination in destinations.items():
        column = recipient_column(destination)
        if column and have and column not in have:
            raise DispatchError(
                f"{shown}: destination '{name}': recipient_column '{column}' is not a column "
                f"of the profiles (columns: {', '.join(sorted(have))}); nothing was sent")


def _destinations(con: duckdb.DuckDBPyConnection, settings: Settings,
                  configs: Mapping[str, Any], names: list[str], shown: str,
                  dry_run: bool) -> tuple[dict[str, Destination], Redactor]:
    used = {n: configs[n] for n in names if n in configs}
    values, missing = read_secrets(v for c in used.values() for v in secret_names(c))
    try:
        destinations = build_all(used, values, missing, settings.project_root, dry_run=dry_run)
    except ValueError as missing_secret:
        raise DispatchError(str(missing_secret)) from None
    _check_recipients(con, destinations, shown)
    # Each destination's secrets together: a pair of them may go out as Basic auth
    # (Twilio's SID:TOKEN), and a provider may echo that header back.
    groups = [[values[v] for v in secret_names(c) if v in values] for c in used.values()]
    return destinations, Redactor(values.values(), groups)


def _dispatch(con: duckdb.DuckDBPyConnection, settings: Settings, configs: Mapping[str, Any],
              summary: DispatchSummary, shown: str, log: Callable[[str], None],
              round_size: int | None, clock: Callable[[], datetime],
              checkpoint: Checkpoint) -> dict[str, Destination]:
    queue.ensure_tables(con)
    intents.ensure_tables(con)
    for journey_id, at in journal.rollback(con):
        log(f"{journey_id}: rolled back tick {at:%Y-%m-%d %H:%M:%S}, left unfinished by a "
            "tick that stopped half-way")
    now = clock()
    summary.recovered = intents.recover(
        con, {n: c.delivery for n, c in configs.items()},
        {n: c.retry.max_attempts for n, c in configs.items()}, now, summary.dispatch_id)
    if summary.recovered:
        log("settled what a dispatch that stopped half-way left: " + ", ".join(
            f"{n} {k}" for k, n in sorted(summary.recovered.items())))
    governed = is_governed(settings)
    enqueued = queue.enqueue(con, summary.dispatch_id, governed)
    summary.queued = enqueued.queued
    for (name, status, reason), n in enqueued.logged.items():
        summary.held(name, status, reason, n)
    for name, n in queue.suppress_exited(con, now, summary.dispatch_id).items():
        summary.held(name, str(Status.SUPPRESSED), "exited", n)
    blocked = queue.suppress_blocked(con, now, summary.dispatch_id) if governed else {}
    for (name, reason), n in blocked.items():
        summary.held(name, str(Status.SUPPRESSED), reason, n)
    for name, n in queue.fail_unconfigured(con, sorted(configs), now, summary.dispatch_id,
                                           shown).items():
        summary.count(name, str(Status.FAILED), n)
        log(f"{n} action(s) name destination '{name}', missing from {shown}: failed")
    destinations, redactor = _destinations(con, settings, configs,
                                           queue.destinations_pending(con), shown, False)
    if not destinations:
        return destinations
    dispatcher = Dispatcher(con, destinations, redactor, _redacted_log(log, redactor), summary,
                            round_size or round_size_for(destinations), clock, checkpoint)
    max_wait = max(d.config.retry.max_wait_seconds for d in destinations.values())
    asyncio.run(dispatcher.run_rounds(max_wait))
    summary.held_paused = queue.held_for_pause(con)
    summary.left_queued = queue.pending(con) - summary.held_paused
    return destinations


def _dry_run(con: duckdb.DuckDBPyConnection, settings: Settings, configs: Mapping[str, Any],
             summary: DispatchSummary, shown: str, out: Path | None,
             round_size: int) -> None:
    """Write the exact requests a dispatch would make, one JSON line each; change nothing."""
    out = out or settings.project_root / "outbox" / "dry_run.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    summary.dry_run_file = out
    destinations, redactor = _destinations(con, settings, configs, sorted(configs), shown,
                                           True)
    columns = sorted({c for d in destinations.values() if (c := recipient_column(d))})
    with out.open("w", encoding="utf-8") as sink:
        governed = is_governed(settings)
        for (name, status, reason), n in (queue.preview_governed(con) if governed
                                          else {}).items():
            summary.held(name, status, reason, n)
        for rows in queue.preview(con, columns, round_size, governed):
            known = [r for r in rows if r["destination"] in destinations
                     and not r["exited"] and not r["blocked"]]
            for row in rows:
                if row["exited"] or row["blocked"]:
                    summary.held(row["destination"], str(Status.SUPPRESSED),
                                 "exited" if row["exited"] else row["blocked"])
                elif row["destination"] not in destinations:
                    summary.count(row["destination"], str(Status.FAILED))
            prepared = prepare_round(known, destinations)
            for name, request in prepared.work:
                # secrets masked in the URL and body too (Twilio's SID is in its path)
                line = json.dumps({"destination": name, **request.shown()}, default=str)
                sink.write(f"{redactor.mask_secrets(line)}\n")
                summary.count(name, "would_send", len(request.action_ids))
            for action_id in prepared.refused:
                summary.count(prepared.actions[action_id].destination, str(Status.FAILED))
            summary.requests += len(prepared.work)
