"""A synthetic warehouse (C3 inputs) for demos, simulations and benchmarks.

Everything is built by set-based DuckDB SQL over ``range()``: no Python loop per row, so a
million profiles and twenty million events take seconds, not hours. Randomness is a hash of
(row number, ``seed``, stream number), so the same arguments always give the same rows.

The profiles are a snapshot "as of ``end``"; the events cover ``[end - days, end]``. The
distributions are chosen so that every seed journey in ``journey_specs/`` has members at
every hour of the window: signups spread over the window, dormant members whose 30-day
inactivity mark falls inside it, recent purchasers, subscriptions expiring 30 days after
each day of the window, and a majority of free-plan users who hit feature limits.

``last_active_at`` is the last *app* activity (the ``page_viewed``/``email_opened`` noise
never goes past it); orders may come from any channel, so a dormant member can still place a
"win-back" order in the window, which is what lets the re-engagement journey's "purchased?"
branch say yes.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from journeys.warehouse.connect import connect

TIMEZONES = (
    "America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney",
    "America/Los_Angeles", "Asia/Kolkata", "UTC", "Europe/London",
)
COUNTRIES = ("US", "DE", "JP", "AU", "US", "IN", "GB", "GB")
PHONE_PREFIXES = ("+1", "+49", "+81", "+61", "+1", "+91", "+44", "+44")
INVALID_TIMEZONES = ("Mars/Olympus", "Europe/Atlantis")
FIRST_NAMES = (
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kemi", "Liam", "Mia", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sven", "Tara",
)
LAST_NAMES = (
    "Adler", "Brown", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones",
    "Kumar", "Lopez", "Meyer", "Nakamura", "Okafor", "Patel", "Rossi", "Smith", "Tanaka", "Wang",
)
COMPANY_SUFFIXES = ("Labs", "GmbH", "Inc", "Ltd", "Studio", "Foods", "Logistics", "Health")
PAGES = ("/", "/pricing", "/docs", "/blog", "/account", "/features", "/integrations")

TABLES = ("profiles", "events", "manual_entries", "manual_removals")


def _list(values: tuple[str, ...]) -> str:
    """A DuckDB list literal of constant strings (our own constants, never user input)."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _pick(values: tuple[str, ...], u: str) -> str:
    """SQL picking one of ``values`` uniformly by the uniform draw expression ``u``."""
    return f"{_list(values)}[1 + floor({u} * {len(values)})::INTEGER]"


def _ts(value: datetime) -> str:
    return f"TIMESTAMP '{value.strftime('%Y-%m-%d %H:%M:%S')}'"


def _naive_utc(value: datetime) -> datetime:
    """Clocks are naive UTC everywhere (C6); an aware datetime is converted, not reinterpreted."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def _statements(
    *, profiles: int, days: int, start: datetime, end: datetime, seed: int, events_total: int
) -> list[str]:
    """The SQL that builds the warehouse, in order. Only numbers and our constants go in."""
    width = max(7, len(str(profiles)))
    s, e = _ts(start), _ts(end)
    # u(i, k): a uniform draw in [0, 1) for row i and stream k (< 128), a pure function of the
    # seed. One integer per (seed, i, k) goes through DuckDB's 64-bit mixing hash: distinct
    # inputs stay distinct (i < 2^33), and the streams are independent, unlike hash(i, s, k),
    # whose argument combining leaves the draws of one row visibly correlated.
    macro = (
        "create or replace temp macro u(i, k) as "
        f"((hash(i::BIGINT * 128 + k + {int(seed) % 1_000_000}::BIGINT * 1099511627776)"
        " >> 11)::DOUBLE / 9007199254740992.0)"
    )
    at = "({lo} + to_seconds(floor({u} * greatest(epoch({hi}) - epoch({lo}), 0))::BIGINT))"
    base = f"""
    create or replace temp table _p as
    with draws as (
        select i,
            u(i, 1) < 0.20 as is_new,                       -- signed up inside the window
            u(i, 3) as u_plan,
            u(i, 4) < 0.35 as is_dormant,                   -- no app activity for a while
            u(i, 7) as u_tz
        from range({profiles}) t(i)
    ),
    signup as (
        select *,
            case when is_new then {at.format(lo=s, hi=e, u='u(i, 2)')}
                 else {s} - to_seconds(floor(86400 + u(i, 2) * 730 * 86400)::BIGINT)
            end as signed_up_at,
            case when u_plan < 0.60 then 'free' when u_plan < 0.90 then 'pro'
                 else 'enterprise' end as plan
        from draws
    ),
    activity as (
        select *,
            case when not is_new and is_dormant
                 then greatest(signed_up_at,
                               {s} - to_seconds(floor(u(i, 5) * 150 * 86400)::BIGINT))
                 else {at.format(lo=f'greatest(signed_up_at, {s})', hi=e, u='u(i, 5)')}
            end as last_active_at,
            case when u(i, 6) < (case when is_new then 0.60 else 0.90 end)
                 then signed_up_at + to_seconds(floor(u(i, 8) * 6 * 86400)::BIGINT)
            end as onboard_at,
            case when is_new then 0
                 when u(i, 9) < 0.70 then 1 + floor(u(i, 10) * u(i, 10) * 20)::INTEGER
                 else 0 end as orders_before
        from signup
    )
    select i, 'm' || lpad(i::VARCHAR, {width}, '0') as member_id,
        is_new, is_dormant and not is_new as is_dormant, signed_up_at, plan,
        last_active_at, onboard_at, orders_before,
        case when orders_before > 0
             then {at.format(lo='signed_up_at', hi=f'least(last_active_at, {s})', u='u(i, 11)')}
        end as last_order_before,
        case when u_tz < 0.10 then null
             when u_tz < 0.12 then {_pick(INVALID_TIMEZONES, 'u(i, 12)')}
             else {_list(TIMEZONES)}[1 + (floor(u(i, 13) * {len(TIMEZONES)}))::INTEGER]
        end as timezone,
        1 + floor(u(i, 13) * {len(TIMEZONES)})::INTEGER as region,
        u(i, 14) < 0.03 as unsubscribed,
        u(i, 15) < 0.33 as unsubscribed_in_window,
        case when plan <> 'free'
             then {s} + to_seconds(floor(u(i, 16) * ({days} + 60) * 86400)::BIGINT)
        end as subscription_expires_at,
        plan <> 'free' and u(i, 17) < 0.40 as has_renewed
    from activity
    """
    orders = f"""
    create or replace temp table _o as
    with slots as (
        select p.i, k, p.signed_up_at, p.is_dormant
        from _p p, range(3) r(k)
        where case when p.is_dormant then k = 0 and u(p.i * 8 + k, 20) < 0.15
                   else u(p.i * 8 + k, 20) < (case when p.orders_before > 0 or p.is_new
                                                    then 0.45 else 0.10 end) end
    )
    select i, k,
        {at.format(lo=f'greatest(signed_up_at, {s})', hi=e, u='u(i * 8 + k, 21)')}
            as occurred_at,
        round(10 + u(i * 8 + k, 22) * u(i * 8 + k, 22) * 490, 2) as amount
    from slots
    """
    profiles_sql = f"""
    create or replace table main.profiles as
    with o as (
        select i, count(*)::INTEGER as n, max(occurred_at) as last_at, sum(amount) as total
        from _o group by i
    )
    select p.member_id,
        p.timezone,
        lower({_pick(FIRST_NAMES, 'u(p.i, 30)')} || '.' || {_pick(LAST_NAMES, 'u(p.i, 31)')})
            || '.' || p.i::VARCHAR || '@example.com' as email,
        {_list(PHONE_PREFIXES)}[p.region] || '555' || lpad((p.i % 10000000)::VARCHAR, 7, '0')
            as phone,
        {_pick(FIRST_NAMES, 'u(p.i, 30)')} as first_name,
        {_pick(LAST_NAMES, 'u(p.i, 31)')} as last_name,
        {_pick(LAST_NAMES, 'u(p.i, 32)')} || ' ' || {_pick(COMPANY_SUFFIXES, 'u(p.i, 33)')}
            as company_name,
        {_list(COUNTRIES)}[p.region] as country,
        p.plan,
        p.signed_up_at,
        coalesce(p.onboard_at <= {e}, false) as onboarding_completed,
        (p.orders_before + coalesce(o.n, 0))::INTEGER as total_orders,
        coalesce(o.last_at, p.last_order_before) as last_order_at,
        greatest(p.last_active_at,
                 case when p.onboard_at <= {e} then p.onboard_at end) as last_active_at,
        p.unsubscribed,
        p.subscription_expires_at,
        p.has_renewed,
        u(p.i, 34) < 0.85 and not p.unsubscribed as email_opt_in,
        u(p.i, 35) < 0.40 as sms_opt_in,
        u(p.i, 36) < 0.55 as push_opt_in,
        'WB-' || upper(substr(md5(p.i::VARCHAR || ':{int(seed)}'), 1, 6)) as discount_code,
        round(p.orders_before * (20 + u(p.i, 37) * 120) + coalesce(o.total, 0), 2)
            as lifetime_value
    from _p p left join o using (i)
    order by p.i
    """
    structured = f"""
    create or replace temp table _e as
    -- signups inside the window
    select i, 'signed_up' as event, signed_up_at as occurred_at,
           '{{"plan":"' || plan || '"}}' as properties
    from _p where is_new
    union all
    -- onboarding a few days after signup (the welcome series' goal)
    select i, 'onboarding_completed', onboard_at, null
    from _p where onboard_at between {s} and {e}
    union all
    -- orders, and a review for some of them 2 to 25 days later
    select i, 'order_completed', occurred_at,
           '{{"order_id":"o' || i::VARCHAR || '_' || k::VARCHAR || '","amount":'
           || amount::VARCHAR || '}}'
    from _o
    union all
    select i, 'review_submitted',
           occurred_at + to_seconds(floor((2 + u(i * 8 + k, 23) * 23) * 86400)::BIGINT),
           '{{"order_id":"o' || i::VARCHAR || '_' || k::VARCHAR || '","rating":'
           || (1 + floor(u(i * 8 + k, 24) * 5))::INTEGER::VARCHAR || '}}'
    from _o
    where u(i * 8 + k, 25) < 0.30
      and occurred_at + to_seconds(floor((2 + u(i * 8 + k, 23) * 23) * 86400)::BIGINT) <= {e}
    union all
    -- renewals within the 30 days before the term ends
    select i, 'subscription_renewed',
           subscription_expires_at - to_seconds(floor(u(i, 40) * 30 * 86400)::BIGINT),
           '{{"plan":"' || plan || '"}}'
    from _p
    where has_renewed
      and subscription_expires_at - to_seconds(floor(u(i, 40) * 30 * 86400)::BIGINT)
          between {s} and {e}
    union all
    -- free users hitting a limit, some starting a trial within 6 days
    select i, 'feature_limit_reached',
           {at.format(lo=f'greatest(signed_up_at, {s})', hi=e, u='u(i, 42)')},
           '{{"feature":"' || {_pick(('seats', 'projects', 'exports'), 'u(i, 43)')} || '"}}'
    from _p where plan = 'free' and u(i, 41) < 0.35
    union all
    select i, 'trial_started',
           {at.format(lo=f'greatest(signed_up_at, {s})', hi=e, u='u(i, 42)')}
               + to_seconds(floor(u(i, 45) * 6 * 86400)::BIGINT),
           '{{"plan":"pro"}}'
    from _p
    where plan = 'free' and u(i, 41) < 0.35 and u(i, 44) < 0.40
      and {at.format(lo=f'greatest(signed_up_at, {s})', hi=e, u='u(i, 42)')}
          + to_seconds(floor(u(i, 45) * 6 * 86400)::BIGINT) <= {e}
    union all
    select i, 'unsubscribed',
           {at.format(lo=f'greatest(signed_up_at, {s})', hi=e, u='u(i, 46)')}, null
    from _p where unsubscribed and unsubscribed_in_window
    """
    # App activity: the rest of the event budget, spread over members active in the window,
    # each event between the member's first moment in the window and its last_active_at.
    noise = f"""
    create or replace temp table _a as
    select row_number() over (order by i) - 1 as n, i,
           greatest(signed_up_at, {s}) as lo, least(last_active_at, {e}) as hi
    from _p where last_active_at >= {s}
    """
    unsorted = f"""
    create or replace temp table _u as
    with budget as (
        select greatest({events_total} - (select count(*) from _e), 0) as n,
               (select count(*) from _a) as members
    ),
    noise as (
        select j, floor(u(j, 50) * b.members)::BIGINT as n, u(j, 51) < 0.55 as is_view
        from budget b, range((select n from budget)) t(j)
        where b.members > 0
    ),
    all_events as (
        select i, event, occurred_at, properties from _e
        union all
        select a.i, case when is_view then 'page_viewed' else 'email_opened' end,
               {at.format(lo='a.lo', hi='a.hi', u='u(j, 52)')},
               case when is_view
                    then '{{"path":"' || {_pick(PAGES, 'u(j, 53)')} || '"}}' end
        from noise join _a a using (n)
    )
    select 'm' || lpad(i::VARCHAR, {width}, '0') as member_id, event, occurred_at,
           properties::JSON as properties
    from all_events
    where occurred_at between {s} and {e}
    """
    # Sorted in a second statement: DuckDB can then spill the sort to disk, where one
    # statement doing join + union + sort runs out of memory under a small memory_limit.
    events_sql = """
    create or replace table main.events as
    select * from _u order by occurred_at, member_id, event
    """
    manual = [
        f"create or replace table main.{name} "
        "(journey_id VARCHAR, member_id VARCHAR, requested_at TIMESTAMP)"
        for name in ("manual_entries", "manual_removals")
    ]
    cleanup = [f"drop table if exists {t}" for t in ("_p", "_o", "_e", "_a", "_u")]
    return [
        macro, base, orders, profiles_sql, structured, noise, unsorted, events_sql,
        *manual, *cleanup,
    ]


def generate_warehouse(
    path: Path,
    *,
    profiles: int = 10_000,
    days: int = 30,
    end: datetime,
    seed: int = 7,
    events_per_profile: float = 20.0,
    memory_limit: str | None = None,
) -> dict[str, int]:
    """Create (or replace) the C3 input tables of a synthetic warehouse in a DuckDB file.

    Why: the demo, the simulations and the benchmarks need a warehouse that exercises every
    seed journey, is identical on every machine for the same ``seed``, and scales to
    millions of rows, without shipping data files.

    Args:
        path: the DuckDB file (created if missing; other schemas in it are left alone).
        profiles: number of profiles.
        days: length of the event window, ending at ``end``.
        end: the end of the window and the "as of" clock of the profile snapshot (naive
            UTC, or aware and then converted to UTC).
        seed: the seed of every pseudo-random draw.
        events_per_profile: target average number of events per profile; the total is
            ``round(profiles * events_per_profile)`` unless the journey events alone exceed it.
        memory_limit: a DuckDB ``memory_limit`` (e.g. ``"1GB"``); DuckDB spills beyond it.
            1M profiles / 20M events run in about the same time under 1GB as without it.

    Returns:
        Row counts per table: ``profiles``, ``events``, ``manual_entries``, ``manual_removals``.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as d:
        ...     generate_warehouse(Path(d) / "w.duckdb", profiles=100, end=datetime(2025, 3, 1))
        {'profiles': 100, 'events': 2000, 'manual_entries': 0, 'manual_removals': 0}
    """
    if profiles < 1 or days < 1 or events_per_profile < 0:
        raise ValueError("profiles and days must be positive, events_per_profile not negative")
    end = _naive_utc(end)
    start = end - timedelta(days=days)
    statements = _statements(
        profiles=int(profiles), days=int(days), start=start, end=end, seed=int(seed),
        events_total=round(profiles * events_per_profile),
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with connect(path) as con:
        if memory_limit:
            con.execute("set memory_limit = $limit", {"limit": memory_limit})
        for sql in statements:
            con.execute(sql)
        return {
            table: con.execute(f"select count(*) from main.{table}").fetchone()[0]
            for table in TABLES
        }


def _parse_end(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    return _naive_utc(datetime.fromisoformat(text))


def main(argv: list[str] | None = None) -> int:
    """``python -m journeys.demo.synthetic --profiles N --out PATH --end ISO --seed S``."""
    parser = argparse.ArgumentParser(
        prog="python -m journeys.demo.synthetic",
        description="Generate a synthetic warehouse (profiles, events) for the seed journeys.",
    )
    parser.add_argument("--out", type=Path, default=Path("warehouse.duckdb"),
                        help="DuckDB file to write (default: warehouse.duckdb)")
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--end", help="end of the event window, ISO 8601 (default: this hour, UTC)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--events-per-profile", type=float, default=20.0)
    parser.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 1GB (default: DuckDB's)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = generate_warehouse(
        args.out, profiles=args.profiles, days=args.days, end=_parse_end(args.end),
        seed=args.seed, events_per_profile=args.events_per_profile,
        memory_limit=args.memory_limit,
    )
    took = time.perf_counter() - started
    summary = ", ".join(f"{n:,} {t}" for t, n in counts.items())
    print(f"wrote {args.out}: {summary} in {took:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
