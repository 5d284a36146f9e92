"""The indicator registry's vocabulary: an indicator, the context it is computed in, its rows,
and `Missing` — an indicator without data says so, with its reason, and never shows zero.

Adding an indicator is one `register(Indicator(...))` in the module of its family (imported by
`indicators/__init__.py`); pages, CSV, charts, reports and the scorecard then list it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from pimm.engine.rota.points import gini as _engine_gini


@dataclass(frozen=True)
class Missing:
    """No figure: the data this indicator needs does not exist (yet), and why."""

    reason: str

    def __bool__(self) -> bool:
        return False


@dataclass(frozen=True)
class Row:
    """One figure: ``period`` ("2027-01", "2027" or "" for a snapshot), the breakdown it belongs
    to (``dimension``: "total", "member", "site", "modality", "class", "series"...) and its label."""

    period: str
    value: float | None
    dimension: str = "total"
    label: str = ""


@dataclass(frozen=True)
class Context:
    """Where and when an indicator is computed: [start, end) in local dates, optional member and
    site filters, and ``today`` (periods after it are not closed: figures are provisional)."""

    platform_id: int
    start: dt.date
    end: dt.date
    today: dt.date
    member_id: int | None = None
    site_id: int | None = None
    params: dict = field(default_factory=dict)
    # reads shared by the indicators of one computation (the slots of the period, read once)
    memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def once(self, key: str, read: Callable):
        if key not in self.memo:
            self.memo[key] = read()
        return self.memo[key]

    @property
    def closed(self) -> bool:
        return self.end <= self.today

    def months(self) -> list[str]:
        out, y, m = [], self.start.year, self.start.month
        while dt.date(y, m, 1) < self.end:
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


Result = list[Row] | Missing


@dataclass(frozen=True)
class Indicator:
    code: str
    family: str
    name: str
    formula: str
    source: str
    unit: str
    limits: str
    compute: Callable[[Context], Result]
    criterion: str  # the ARS selection criterion it evidences (see scorecard.CRITERIA)
    higher_is_better: bool = True
    # the headline figure of a period from its "total" rows: "sum" (counts), "mean" (rates),
    # "last" (a stock: devices, lines, coverage)
    aggregate: str = "last"

    def headline(self, result: Result) -> float | None:
        if isinstance(result, Missing):
            return None
        values = [r.value for r in result if r.dimension == "total" and r.value is not None]
        if not values:
            return None
        if self.aggregate == "sum":
            return round(sum(values), 2)
        if self.aggregate == "mean":
            return round(sum(values) / len(values), 2)
        return values[-1]


REGISTRY: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    if indicator.code in REGISTRY:
        raise ValueError(f"indicator {indicator.code} registered twice")
    REGISTRY[indicator.code] = indicator
    return indicator


def month_key(value: dt.date | dt.datetime) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def gini(values: list[float]) -> float | None:
    """Gini index of non-negative loads (0 = equal); None when nobody carries anything."""
    xs = [v for v in values if v is not None]
    if not xs or sum(xs) <= 0:
        return None
    return round(_engine_gini(xs), 4)


def local_start(day: dt.date) -> dt.datetime:
    """Local midnight of ``day`` as an aware datetime (periods are local dates)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None
