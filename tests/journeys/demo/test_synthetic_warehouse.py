"""The synthetic warehouse: deterministic, well-formed, and useful to every seed journey."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from journeys.demo.synthetic import generate_warehouse, main
from journeys.spec.models import JourneySpec
from journeys.spec.yaml_loader import load_yaml

END = datetime(2025, 3, 1)
DAYS = 30
SPECS_DIR = Path(__file__).resolve().parents[3] / "journey_specs"
SEED_JOURNEYS = (  # the audience journeys (onboarding_nudge_test enters on an event)
    "welcome_series", "re_engagement", "post_purchase", "renewal_reminders", "event_upsell",
)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synthetic") / "warehouse.duckdb"
    generate_warehouse(path, profiles=5_000, days=DAYS, end=END, seed=7)
    return path


def _fingerprint(path: Path) -> tuple[str, str]:
    """An md5 over every row of profiles and events, in storage order."""
    with duckdb.connect(str(path), read_only=True) as con:
        return tuple(  # type: ignore[return-value]
            con.execute(
                f"select md5(string_agg(t::VARCHAR, '|' order by rowid)) from main.{table} t"
            ).fetchone()[0]
            for table in ("profiles", "events")
        )


def test_same_seed_same_rows_other_seed_other_rows(tmp_path: Path) -> None:
    kwargs = {"profiles": 2_000, "days": 10, "end": END}
    generate_warehouse(tmp_path / "a.duckdb", seed=3, **kwargs)
    generate_warehouse(tmp_path / "b.duckdb", seed=3, **kwargs)
    generate_warehouse(tmp_path / "c.duckdb", seed=4, **kwargs)
    a, b, c = (_fingerprint(tmp_path / f"{n}.duckdb") for n in "abc")
    assert a == b
    assert a[0] != c[0] and a[1] != c[1]


def test_row_counts_and_replace(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    generate_warehouse(path, profiles=500, end=END, events_per_profile=5)
    counts = generate_warehouse(path, profiles=1_000, end=END, events_per_profile=12.5)
    assert counts == {
        "profiles": 1_000, "events": 12_500, "manual_entries": 0, "manual_removals": 0,
    }
    with duckdb.connect(str(path), read_only=True) as con:
        for table, n in counts.items():
            assert con.execute(f"select count(*) from main.{table}").fetchone()[0] == n


def test_columns(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        profiles = dict(con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'profiles' order by ordinal_position").fetchall())
        events = dict(con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'events' order by ordinal_position").fetchall())
        manual = con.execute(
            "select column_name from information_schema.columns "
            "where table_name = 'manual_entries' order by ordinal_position").fetchall()
    assert list(profiles) == [
        "member_id", "timezone", "email", "phone", "first_name", "last_name", "company_name",
        "country", "plan", "signed_up_at", "onboarding_completed", "total_orders",
        "last_order_at", "last_active_at", "unsubscribed", "subscription_expires_at",
        "has_renewed", "email_opt_in", "sms_opt_in", "push_opt_in", "discount_code",
        "lifetime_value",
    ]
    assert profiles["signed_up_at"] == "TIMESTAMP" and profiles["total_orders"] == "INTEGER"
    assert events == {
        "member_id": "VARCHAR", "event": "VARCHAR", "occurred_at": "TIMESTAMP",
        "properties": "JSON",
    }
    assert [c for (c,) in manual] == ["journey_id", "member_id", "requested_at"]


def test_profiles_are_plausible(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute("""
            select count(*), count(distinct member_id),
                   avg((timezone is null)::INT),
                   count(*) filter (where timezone = 'Mars/Olympus'),
                   count(distinct timezone),
                   avg((plan = 'free')::INT),
                   count(*) filter (where plan = 'free' and subscription_expires_at is not null),
                   count(*) filter (where (total_orders = 0) <> (last_order_at is null)),
                   count(*) filter (where phone not similar to '\\+[0-9]{8,15}')
            from main.profiles""").fetchone()
    n, distinct, null_tz, mars, zones, free, free_with_sub, order_mismatch, bad_phone = row
    assert distinct == n == 5_000
    assert 0.07 < null_tz < 0.13 and mars > 0 and zones >= 9
    assert 0.5 < free < 0.7 and free_with_sub == 0
    assert order_mismatch == 0 and bad_phone == 0


def test_events_sorted_within_window_and_known_members(warehouse: Path) -> None:
    start = END - timedelta(days=DAYS)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        out_of_order, lo, hi = con.execute("""
            select count(*) filter (where occurred_at < prev), min(occurred_at), max(occurred_at)
            from (select occurred_at, lag(occurred_at) over (order by rowid) as prev
                  from main.events)""").fetchone()
        strangers = con.execute("""
            select count(*) from main.events e
            anti join main.profiles p using (member_id)""").fetchone()[0]
        names = {name for (name,) in con.execute("select distinct event from main.events")
                 .fetchall()}
        unsubscribed_share = con.execute("""
            select count(distinct member_id) / (select count(*) from main.profiles)
            from main.events where event = 'unsubscribed'""").fetchone()[0]
        orders = con.execute("""
            select count(*) from main.events
            where event = 'order_completed'
              and ((properties->>'order_id') is null
                   or json_type(properties, '$.amount') not in ('DOUBLE', 'UBIGINT'))
        """).fetchone()[0]
    assert out_of_order == 0
    assert start <= lo and hi <= END
    assert strangers == 0
    assert names == {
        "signed_up", "onboarding_completed", "order_completed", "review_submitted",
        "subscription_renewed", "feature_limit_reached", "trial_started", "unsubscribed",
        "page_viewed", "email_opened",
    }
    assert 0.003 < unsubscribed_share < 0.03
    assert orders == 0


def _spec(journey_id: str) -> JourneySpec:
    return JourneySpec.model_validate(
        load_yaml((SPECS_DIR / f"{journey_id}.yml").read_text(encoding="utf-8"))
    )


@pytest.mark.parametrize("journey_id", SEED_JOURNEYS)
def test_every_seed_audience_has_members_through_the_window(
    warehouse: Path, journey_id: str
) -> None:
    """Evaluated straight in DuckDB with ``run_at`` bound as a column: tests only."""
    where = _spec(journey_id).entry.audience.where
    clocks = [END - timedelta(days=DAYS) + timedelta(days=d, hours=9) for d in range(1, DAYS)]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        matches = [
            con.execute(
                f"select count(*) from main.profiles, (select ?::TIMESTAMP as run_at) "
                f"where {where}",
                [clock],
            ).fetchone()[0]
            for clock in clocks
        ]
    assert sum(1 for n in matches if n > 0) >= 0.9 * len(clocks), matches


def test_branch_events_happen_for_audience_members(warehouse: Path) -> None:
    """The 'yes' sides of the event branches are reachable with this data."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        win_back = con.execute("""
            select count(*) from main.profiles p join main.events e using (member_id)
            where e.event = 'order_completed' and p.last_active_at < e.occurred_at
              - interval 30 day and p.total_orders >= 1""").fetchone()[0]
        trial_after_limit = con.execute("""
            select count(*) from main.events l join main.events t using (member_id)
            where l.event = 'feature_limit_reached' and t.event = 'trial_started'
              and t.occurred_at between l.occurred_at and l.occurred_at + interval 3 day
        """).fetchone()[0]
        reviews = con.execute("""
            select count(*) from main.events o join main.events r using (member_id)
            where o.event = 'order_completed' and r.event = 'review_submitted'
              and r.occurred_at >= o.occurred_at + interval 20 day""").fetchone()[0]
        renewals = con.execute("""
            select count(*) from main.profiles p join main.events e using (member_id)
            where e.event = 'subscription_renewed'
              and e.occurred_at > p.subscription_expires_at - interval 30 day""").fetchone()[0]
    assert win_back > 0 and trial_after_limit > 0 and reviews > 0 and renewals > 0


def test_ten_thousand_profiles_take_seconds(tmp_path: Path) -> None:
    started = time.perf_counter()
    counts = generate_warehouse(tmp_path / "w.duckdb", profiles=10_000, end=END)
    assert counts["events"] == 200_000
    assert time.perf_counter() - started < 10


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.duckdb"
    assert main(["--profiles", "300", "--out", str(out), "--end", "2025-03-01T00:00:00+01:00",
                 "--seed", "5", "--days", "7"]) == 0
    assert "300 profiles" in capsys.readouterr().out
    with duckdb.connect(str(out), read_only=True) as con:
        hi = con.execute("select max(occurred_at) from main.events").fetchone()[0]
    assert hi <= datetime(2025, 2, 28, 23, 0)
