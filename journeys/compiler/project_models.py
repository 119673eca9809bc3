"""Models shared by all journeys: staging over the inputs (C3) and the outputs (C7).

Staging is the only place the warehouse's input tables are read. The outputs union every
journey's per-tick models and append them: incremental with delete+insert on
(journey_id, tick_at), so re-running a tick that failed half-way replaces its rows instead
of duplicating them.
"""

from __future__ import annotations

from sqlglot import exp

from journeys.compiler import dialect
from journeys.compiler.plan import ColumnDoc, ModelPlan, empty_relation
from journeys.compiler.walk import col, lit, union_all
from journeys.warehouse import tables
from journeys.warehouse.relations import (
    INTERNAL_SCHEMA,
    OUTPUT_SCHEMA,
    STAGING_SCHEMA,
    part,
    ref,
    source,
)

STAGING_FOLDER = "staging"
OUTPUT_FOLDER = "outputs"


def _staging(name: str, query: exp.Query, columns: tuple[ColumnDoc, ...], description: str,
             unique: tuple[str, ...] = ()) -> ModelPlan:
    return ModelPlan(name=name, schema=STAGING_SCHEMA, folder=STAGING_FOLDER,
                     materialized="view", query=query, columns=columns,
                     unique_combination=unique, description=description, group="staging")


def staging_models() -> list[ModelPlan]:
    """Views over the C3 inputs, with the one derived column the engine needs."""
    known = exp.select("timezone_name").from_(ref("stg_timezones"))
    valid_tz = exp.Case().when(exp.In(this=col("timezone"), query=exp.Subquery(this=known)),
                               col("timezone"))
    profiles = exp.select(exp.Star(), exp.alias_(valid_tz, "valid_timezone")).from_(
        source("profiles"))
    events = exp.select("member_id", "event", "occurred_at", "properties").from_(source("events"))
    requests = ("journey_id", "member_id", "requested_at")
    req_cols = (ColumnDoc("journey_id", "varchar", not_null=True),
                ColumnDoc("member_id", "varchar", not_null=True),
                ColumnDoc("requested_at", "timestamp", not_null=True))
    timezones = ModelPlan(
        name="stg_timezones", schema=STAGING_SCHEMA, folder=STAGING_FOLDER,
        materialized="table", query=dialect.timezone_names(),
        columns=(ColumnDoc("timezone_name", "varchar", "An IANA zone the engine knows.",
                           not_null=True),),
        unique_combination=("timezone_name",), group="staging",
        description="Time zone names of the engine, to check profiles' zones cheaply.")
    return [
        timezones,
        _staging("stg_profiles", profiles, (
            ColumnDoc("member_id", "varchar", "One customer record.", not_null=True),
            ColumnDoc("timezone", "varchar", "IANA time zone as given (may be null or invalid)."),
            ColumnDoc("valid_timezone", "varchar", "timezone if the engine knows it, else null."),
        ), "Profiles with a checked time zone.", unique=("member_id",)),
        _staging("stg_events", events, (
            ColumnDoc("member_id", "varchar", not_null=True),
            ColumnDoc("event", "varchar", not_null=True),
            ColumnDoc("occurred_at", "timestamp", "UTC.", not_null=True),
            ColumnDoc("properties", "json"),
        ), "Behavioural events."),
        _staging("stg_manual_entries", exp.select(*requests).from_(source("manual_entries")),
                 req_cols, "Operator requests to put members into journeys."),
        _staging("stg_manual_removals", exp.select(*requests).from_(source("manual_removals")),
                 req_cols, "Operator requests to take members out of journeys."),
        _staging("stg_journey_control",
                 exp.select("journey_id", "control_seq", "action", "state", "changed_at")
                 .from_(source("journey_control")), (
                     ColumnDoc("journey_id", "varchar", not_null=True),
                     ColumnDoc("control_seq", "integer", "1, 2 … per journey.", not_null=True),
                     ColumnDoc("action", "varchar", "activate, pause, resume, archive or "
                               "migrate.", not_null=True),
                     ColumnDoc("state", "varchar", "The state after the change.",
                               not_null=True),
                     ColumnDoc("changed_at", "timestamp", "Wall time of the change (UTC).",
                               not_null=True)),
                 "Lifecycle changes of the journeys (S18), from journeys.journey_control.",
                 unique=("journey_id", "control_seq")),
    ]


def union_of_parts(journey_ids: list[str], suffix: str,
                   columns: tuple[ColumnDoc, ...]) -> exp.Query:
    names = tables.names(columns)
    parts = [exp.select(*names).from_(part(f"{jid}__{suffix}")) for jid in journey_ids]
    if not parts:
        return empty_relation(columns)
    return exp.select(*names).from_(exp.Subquery(
        this=union_all(parts), alias=exp.TableAlias(this=exp.to_identifier("u"))))


def output_plan(name: str, query: exp.Query, columns: tuple[ColumnDoc, ...], description: str, *,
            schema: str = OUTPUT_SCHEMA, materialized: str = "incremental",
            unique_key: tuple[str, ...] = ("journey_id", "tick_at"),
            unique: tuple[str, ...] = (), test_clock: str = "tick_at") -> ModelPlan:
    return ModelPlan(name=name, schema=schema, folder=OUTPUT_FOLDER, materialized=materialized,
                     query=query, columns=columns,
                     unique_key=unique_key if materialized == "incremental" else (),
                     unique_combination=unique, description=description, group="outputs",
                     test_clock=test_clock)


def output_models(journey_ids: list[str]) -> list[ModelPlan]:
    """The C7 tables every BI tool and the reverse-ETL step read."""
    state_cols = tables.names(tables.JOURNEY_STATE)
    open_parts = [
        exp.select(exp.alias_(lit(jid), "journey_id"), "member_id", "entry_seq",
                   exp.alias_(lit("active"), "status"), "tile_id", "entered_tile_at",
                   "entered_journey_at", exp.alias_(dialect.typed_null("timestamp"), "exited_at"),
                   exp.alias_(dialect.typed_null("varchar"), "exit_reason"), "updated_tick_at")
        .from_(part(f"{jid}__open")) for jid in journey_ids]
    state = union_all([exp.select(*state_cols).from_(ref("journey_ended_entries")),
                       *open_parts])
    return [
        output_plan("journey_steps", union_of_parts(journey_ids, "steps", tables.JOURNEY_STEPS),
                tables.JOURNEY_STEPS, "One row per step (append-only).",
                unique=("journey_id", "member_id", "entry_seq", "tile_id")),
        output_plan("due_actions", union_of_parts(journey_ids, "actions", tables.DUE_ACTIONS),
                tables.DUE_ACTIONS, "One row per action to deliver (S12).", unique=("action_id",)),
        output_plan("profile_updates", union_of_parts(journey_ids, "profile_updates",
                                             tables.PROFILE_UPDATES),
                tables.PROFILE_UPDATES, "One row per profile column set by a journey.",
                unique=("action_id", "column_name")),
        output_plan("journey_ended_entries",
                    union_of_parts(journey_ids, "ended", tables.JOURNEY_STATE),
                tables.JOURNEY_STATE, "Entries that ended (append-only), part of journey_state.",
                schema=INTERNAL_SCHEMA, unique_key=("journey_id", "updated_tick_at"),
                unique=("journey_id", "member_id", "entry_seq"), test_clock="updated_tick_at"),
        output_plan("journey_state", exp.select(*state_cols).from_(exp.Subquery(
            this=state, alias=exp.TableAlias(this=exp.to_identifier("s")))),
                tables.JOURNEY_STATE, "The latest row per entry: open and ended.",
                materialized="view", unique=("journey_id", "member_id", "entry_seq"),
                test_clock="updated_tick_at"),
        output_plan("journey_ticks", union_of_parts(journey_ids, "tick", tables.JOURNEY_TICKS),
                tables.JOURNEY_TICKS, "One row per journey and tick.",
                unique=("journey_id", "tick_at")),
    ]
