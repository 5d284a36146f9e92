"""Employee Shift Scheduling Benchmark (Curtois, schedulingbenchmarks.org): reader and model.

The benchmark is an external yardstick: if the engine reproduces the published best-known values on
these instances, it is a general rostering solver and not one tuned to our own demo. Reading rules
that decide the objective (checked by reproducing 607, 828 and 1001 on Instance1-3):

- day 0 is a Monday; a weekend (days 7k+5, 7k+6) counts as worked if Saturday *or* Sunday is;
- minimum consecutive shifts / days off constrain only stretches strictly inside the horizon:
  a stretch touching day 0 or the last day may be shorter (the published model assumes the
  employee may have worked / rested before and after the planning period);
- every staff limit, days off and forbidden successions are hard; requests and cover are soft.

``check_roster`` is the independent checker: it shares only the parsed instance with the model.
The model is :mod:`.curtois_model` (one builder per rule group, over any set of free cells), the
first roster :mod:`.curtois_greedy` and the search :mod:`.curtois_lns` (``solve_instance``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

# --------------------------------------------------------------------------------------- instance


@dataclass(frozen=True)
class ShiftType:
    id: str
    minutes: int
    forbidden_next: tuple[str, ...]


@dataclass(frozen=True)
class Staff:
    id: str
    max_shifts: dict[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    day: int
    shift: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass(frozen=True)
class Instance:
    name: str
    horizon: int
    shifts: tuple[ShiftType, ...]
    staff: tuple[Staff, ...]
    days_off: dict[str, frozenset[int]]
    on_requests: tuple[Request, ...]
    off_requests: tuple[Request, ...]
    cover: tuple[Cover, ...]

    @property
    def weeks(self) -> int:
        return self.horizon // 7


# A roster maps (employee, day) -> shift id, for worked days only.
Roster = dict[tuple[str, int], str]


def parse_instance(text: str, name: str = "instance") -> Instance:
    """Parse the benchmark's text format (sections, ``#`` comments, blank-line separated)."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line
            sections[current] = []
            continue
        if current is None:
            raise ValueError(f"data before any section: {line!r}")
        sections[current].append(line)
    horizon = int(sections["SECTION_HORIZON"][0])
    shifts = []
    for row in sections.get("SECTION_SHIFTS", []):
        sid, mins, *rest = row.split(",")
        nxt = rest[0] if rest else ""
        shifts.append(ShiftType(sid, int(mins), tuple(s for s in nxt.split("|") if s)))
    staff = []
    for row in sections.get("SECTION_STAFF", []):
        sid, maxs, maxm, minm, maxc, minc, mindo, maxw = row.split(",")
        max_shifts = {}
        for part in maxs.split("|"):
            if part:
                k, v = part.split("=")
                max_shifts[k] = int(v)
        staff.append(
            Staff(
                sid, max_shifts, int(maxm), int(minm), int(maxc), int(minc), int(mindo), int(maxw)
            )
        )
    days_off = {s.id: frozenset() for s in staff}
    for row in sections.get("SECTION_DAYS_OFF", []):
        parts = row.split(",")
        days_off[parts[0]] = frozenset(int(d) for d in parts[1:] if d)

    def requests(key: str) -> tuple[Request, ...]:
        out = []
        for row in sections.get(key, []):
            e, d, s, w = row.split(",")
            out.append(Request(e, int(d), s, int(w)))
        return tuple(out)

    cover = []
    for row in sections.get("SECTION_COVER", []):
        d, s, r, wu, wo = row.split(",")
        cover.append(Cover(int(d), s, int(r), int(wu), int(wo)))
    return Instance(
        name,
        horizon,
        tuple(shifts),
        tuple(staff),
        days_off,
        requests("SECTION_SHIFT_ON_REQUESTS"),
        requests("SECTION_SHIFT_OFF_REQUESTS"),
        tuple(cover),
    )


def read_instance(path: str | Path) -> Instance:
    path = Path(path)
    return parse_instance(path.read_text(encoding="utf-8"), path.stem)


def read_best_known(readme: str | Path) -> dict[str, int]:
    """Best-known values from the README table next to the instances (last column)."""
    out: dict[str, int] = {}
    for line in Path(readme).read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].endswith(".txt"):
            digits = "".join(ch for ch in cells[-1] if ch.isdigit())
            if digits:
                out[Path(cells[0]).stem] = int(digits)
    return out


# ------------------------------------------------------------------- checker (independent)


def _stretches(worked: list[bool], value: bool) -> list[tuple[int, int]]:
    """(start, length) of maximal runs equal to ``value``."""
    runs, start = [], None
    for d, w in enumerate([*worked, not value]):
        if w == value and start is None:
            start = d
        elif w != value and start is not None:
            runs.append((start, d - start))
            start = None
    return runs


def check_roster(inst: Instance, roster: Roster) -> tuple[list[str], int]:
    """Verify every hard constraint and recompute the objective. Returns (violations, objective)."""
    errors: list[str] = []
    shift_by_id = {s.id: s for s in inst.shifts}
    staff_ids = {s.id for s in inst.staff}
    for (e, d), s in roster.items():
        if e not in staff_ids:
            errors.append(f"unknown employee {e}")
        if not 0 <= d < inst.horizon:
            errors.append(f"{e}: day {d} outside the horizon")
        if s not in shift_by_id:
            errors.append(f"{e}: unknown shift {s} on day {d}")
    if errors:
        return errors, -1
    for st in inst.staff:
        row = [roster.get((st.id, d)) for d in range(inst.horizon)]
        worked = [s is not None for s in row]
        for d in range(inst.horizon - 1):
            if row[d] and row[d + 1] and row[d + 1] in shift_by_id[row[d]].forbidden_next:
                errors.append(f"{st.id}: {row[d + 1]} may not follow {row[d]} (day {d})")
        for sid in shift_by_id:
            n = sum(1 for s in row if s == sid)
            if n > st.max_shifts.get(sid, 0):
                errors.append(f"{st.id}: {n} shifts {sid} > {st.max_shifts.get(sid, 0)}")
        minutes = sum(shift_by_id[s].minutes for s in row if s)
        if not st.min_minutes <= minutes <= st.max_minutes:
            errors.append(f"{st.id}: {minutes} min outside [{st.min_minutes}, {st.max_minutes}]")
        for start, length in _stretches(worked, True):
            if length > st.max_consecutive:
                errors.append(f"{st.id}: {length} consecutive shifts from day {start}")
            inside = start > 0 and start + length < inst.horizon
            if inside and length < st.min_consecutive:
                errors.append(f"{st.id}: only {length} consecutive shifts from day {start}")
        for start, length in _stretches(worked, False):
            inside = start > 0 and start + length < inst.horizon
            if inside and length < st.min_days_off:
                errors.append(f"{st.id}: only {length} days off from day {start}")
        weekends = sum(1 for w in range(inst.weeks) if worked[7 * w + 5] or worked[7 * w + 6])
        if weekends > st.max_weekends:
            errors.append(f"{st.id}: {weekends} weekends > {st.max_weekends}")
        for d in inst.days_off.get(st.id, ()):
            if worked[d]:
                errors.append(f"{st.id}: works on day off {d}")
    return errors, objective(inst, roster)


def objective(inst: Instance, roster: Roster) -> int:
    """The benchmark's objective: request penalties plus weighted under/over cover."""
    total = 0
    for r in inst.on_requests:
        if roster.get((r.employee, r.day)) != r.shift:
            total += r.weight
    for r in inst.off_requests:
        if roster.get((r.employee, r.day)) == r.shift:
            total += r.weight
    counts: dict[tuple[int, str], int] = {}
    for (_, d), s in roster.items():
        counts[d, s] = counts.get((d, s), 0) + 1
    for c in inst.cover:
        n = counts.get((c.day, c.shift), 0)
        total += c.weight_under * max(0, c.requirement - n) + c.weight_over * max(
            0, n - c.requirement
        )
    return total


# ------------------------------------------------------------------------------------------ result


@dataclass
class CurtoisResult:
    instance: str
    feasible: bool
    optimal: bool
    objective: int | None
    bound: float
    seconds: float
    first_solution_seconds: float | None
    roster: Roster = field(default_factory=dict)
    status: str = ""


# -------------------------------------------------------------------------- synthetic instances


def synthetic_instance(staff: int, days: int, shift_types: int = 3, seed: int = 1) -> str:
    """A larger instance in the benchmark's text format, built like the published ones (same
    constraint kinds and weights, cover scaled to the staff), to show how the model scales.
    ``days`` is rounded down to whole weeks."""

    rng = random.Random(seed)
    days = max(7, days // 7 * 7)
    ids = (
        ["E", "D", "L"][:shift_types] if shift_types <= 3 else [f"S{i}" for i in range(shift_types)]
    )
    lines = ["SECTION_HORIZON", str(days), "", "SECTION_SHIFTS"]
    for i, sid in enumerate(ids):
        forbidden = "|".join(ids[:i])
        lines.append(f"{sid},480,{forbidden}")
    weeks = days // 7
    lines += ["", "SECTION_STAFF"]
    names = [f"N{i:04d}" for i in range(staff)]
    for name in names:
        full = rng.random() < 0.7
        allowed = [sid for sid in ids if rng.random() < 0.8] or [rng.choice(ids)]
        caps = "|".join(f"{sid}={days if sid in allowed else 0}" for sid in ids)
        max_m = (4320 if full else 2160) * days // 14
        min_m = (3360 if full else 1200) * days // 14
        maxw = max(1, weeks // 2)
        lines.append(f"{name},{caps},{max_m},{min_m},{rng.choice((5, 6))},2,2,{maxw}")
    lines += ["", "SECTION_DAYS_OFF"]
    for name in names:
        lines.append(f"{name},{rng.randrange(days)}")
    lines += ["", "SECTION_SHIFT_ON_REQUESTS"]
    for name in names:
        for _ in range(max(1, days // 10)):
            lines.append(f"{name},{rng.randrange(days)},{rng.choice(ids)},{rng.randint(1, 3)}")
    lines += ["", "SECTION_SHIFT_OFF_REQUESTS"]
    for name in names:
        for _ in range(max(1, days // 14)):
            lines.append(f"{name},{rng.randrange(days)},{rng.choice(ids)},{rng.randint(1, 3)}")
    lines += ["", "SECTION_COVER"]
    per_shift = staff * 0.65 / len(ids)
    for d in range(days):
        for sid in ids:
            req = max(1, round(per_shift * rng.uniform(0.6, 1.1)))
            lines.append(f"{d},{sid},{req},100,1")
    return "\n".join(lines) + "\n"


from .curtois_lns import solve_instance  # noqa: E402, F401  (it needs the dataclasses above)
