"""Fault injection for the fake providers: what a server does with one incoming request.

A :class:`FaultPlan` is asked once per request, in arrival order, and answers with a
:class:`Fault`. Plans are pure functions of the request's position (since the plan was
installed), its delivery keys, and how many requests carried each key so far, so a test
that replays the same traffic sees the same faults, whatever the thread scheduling.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    """What happens to a request. The kinds that *process* count as deliveries."""

    OK = "ok"
    RATE_LIMIT = "rate_limit"
    ERROR_BEFORE = "error_before"
    ERROR_AFTER = "error_after"
    SLOW = "slow"
    HANG = "hang"
    RESET_BEFORE = "reset_before"
    RESET_AFTER = "reset_after"


PROCESSING_KINDS = frozenset(
    {FaultKind.OK, FaultKind.ERROR_AFTER, FaultKind.SLOW, FaultKind.HANG, FaultKind.RESET_AFTER}
)


@dataclass(frozen=True)
class Fault:
    """One decision: the kind, and the numbers that kind needs.

    ``retry_after_s`` is the 429's ``Retry-After``; ``status`` the 5xx of the error kinds;
    ``delay_s`` how long ``slow`` waits before replying and ``hang`` before closing.
    """

    kind: FaultKind = FaultKind.OK
    retry_after_s: int = 1
    status: int = 500
    delay_s: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", FaultKind(self.kind))
        if not 500 <= self.status <= 599:
            raise ValueError(f"error faults answer a 5xx status, not {self.status}")
        if self.retry_after_s < 0 or self.delay_s < 0:
            raise ValueError("retry_after_s and delay_s cannot be negative")

    @property
    def processes(self) -> bool:
        """Whether a valid request under this fault reaches the provider (is a delivery)."""
        return self.kind in PROCESSING_KINDS

    @classmethod
    def ok(cls) -> Fault:
        return cls(FaultKind.OK)

    @classmethod
    def rate_limit(cls, retry_after_s: int = 1) -> Fault:
        return cls(FaultKind.RATE_LIMIT, retry_after_s=retry_after_s)

    @classmethod
    def error_before(cls, status: int = 503) -> Fault:
        return cls(FaultKind.ERROR_BEFORE, status=status)

    @classmethod
    def error_after(cls, status: int = 500) -> Fault:
        return cls(FaultKind.ERROR_AFTER, status=status)

    @classmethod
    def slow(cls, delay_s: float) -> Fault:
        return cls(FaultKind.SLOW, delay_s=delay_s)

    @classmethod
    def hang(cls, delay_s: float = 2.0) -> Fault:
        return cls(FaultKind.HANG, delay_s=delay_s)

    @classmethod
    def reset_before(cls) -> Fault:
        return cls(FaultKind.RESET_BEFORE)

    @classmethod
    def reset_after(cls) -> Fault:
        return cls(FaultKind.RESET_AFTER)


OK = Fault.ok()

Decider = Callable[[int, tuple[str, ...], Mapping[str, int]], Fault]
"""``(index, keys, attempts) -> Fault``: ``index`` counts requests from 0 since the plan was
installed; ``attempts[key]`` is how many of those requests carried ``key``, this one included."""


class FaultPlan:
    """Decides the fault of each request; build one with the class methods.

    Example:
        >>> plan = FaultPlan.sequence([Fault.rate_limit(2), Fault.reset_before()])
        >>> [plan.decide(i, (), {}).kind.value for i in range(3)]
        ['rate_limit', 'reset_before', 'ok']
    """

    def __init__(self, decider: Decider, description: str) -> None:
        self._decider = decider
        self.description = description

    def __repr__(self) -> str:
        return f"FaultPlan.{self.description}"

    def decide(self, index: int, keys: tuple[str, ...], attempts: Mapping[str, int]) -> Fault:
        return self._decider(index, keys, attempts)

    @classmethod
    def none(cls) -> FaultPlan:
        """Every request is answered normally."""
        return cls(lambda index, keys, attempts: OK, "none()")

    @classmethod
    def always(cls, fault: Fault) -> FaultPlan:
        """Every request gets ``fault``: for dead-lettering after the last attempt."""
        return cls(lambda index, keys, attempts: fault, f"always({fault.kind.value})")

    @classmethod
    def sequence(cls, faults: Iterable[Fault]) -> FaultPlan:
        """The first requests get ``faults`` in order, every later one is ok."""
        ordered: Sequence[Fault] = tuple(faults)

        def decide(index: int, keys: tuple[str, ...], attempts: Mapping[str, int]) -> Fault:
            return ordered[index] if index < len(ordered) else OK

        return cls(decide, f"sequence({[f.kind.value for f in ordered]})")

    @classmethod
    def random(cls, seed: int, weights: Mapping[FaultKind | str, float], *,
               retry_after_s: int = 1, delay_s: float = 0.2,
               hang_s: float = 2.0) -> FaultPlan:
        """Faults drawn per request from ``weights``, reproducibly from ``seed`` and the index.

        Weights are relative. Without an ``ok`` entry and with weights summing to at most 1,
        ``ok`` takes the rest, so ``{"rate_limit": 0.1}`` means one request in ten. ``slow``
        waits ``delay_s``, ``hang`` waits ``hang_s``; ``error_before`` answers 500 or 503.
        """
        table = {FaultKind(kind): float(weight) for kind, weight in weights.items()}
        if FaultKind.OK not in table and sum(table.values()) <= 1.0:
            table[FaultKind.OK] = 1.0 - sum(table.values())
        kinds = list(table)
        cumulative = list(table.values())
        if sum(cumulative) <= 0:
            raise ValueError("fault weights must sum to more than 0")

        def decide(index: int, keys: tuple[str, ...], attempts: Mapping[str, int]) -> Fault:
            rng = random.Random(seed * 1_000_003 + index)
            kind = rng.choices(kinds, weights=cumulative)[0]
            if kind is FaultKind.RATE_LIMIT:
                return Fault.rate_limit(retry_after_s)
            if kind is FaultKind.ERROR_BEFORE:
                return Fault.error_before(rng.choice((500, 503)))
            if kind is FaultKind.SLOW:
                return Fault.slow(delay_s)
            if kind is FaultKind.HANG:
                return Fault.hang(hang_s)
            return Fault(kind)

        return cls(decide, f"random(seed={seed})")

    @classmethod
    def per_key(cls, fn: Callable[[str, int], Fault | None]) -> FaultPlan:
        """Decide by key: ``fn(key, attempt)`` for each key of the request, in order.

        ``attempt`` is 1 for the first request carrying the key. The first answer that is
        neither ``None`` nor ok wins. Example, the first two requests carrying ``"a1"`` get
        a 429: ``FaultPlan.per_key(lambda k, n: Fault.rate_limit() if k == "a1" and n <= 2
        else None)``.
        """

        def decide(index: int, keys: tuple[str, ...], attempts: Mapping[str, int]) -> Fault:
            for key in keys:
                fault = fn(key, attempts.get(key, 1))
                if fault is not None and fault.kind is not FaultKind.OK:
                    return fault
            return OK

        return cls(decide, "per_key(...)")

    @classmethod
    def custom(cls, decider: Decider) -> FaultPlan:
        """Any other rule, as a :data:`Decider`."""
        return cls(decider, "custom(...)")
