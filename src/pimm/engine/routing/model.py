"""Dataclasses of the routing engine: exams to read, readers, rota, configuration, decisions.

Times are naive ``datetime`` values in the platform's local wall-clock time; durations are
``timedelta``. Everything here is frozen: the mutable part lives in ``RoutingState``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Priority(StrEnum):
    """Priority classes of an exam to read (configurable targets in ``ServiceLevels``)."""

    LIFE_THREATENING = "life_threatening"  # urgence vitale
    EMERGENCY = "emergency"  # urgence
    INPATIENT = "inpatient"  # patient hospitalisé
    OUTPATIENT = "outpatient"  # externe, programmé

    @property
    def label_fr(self) -> str:
        return _PRIORITY_LABELS[self]

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]

    @property
    def is_emergency(self) -> bool:
        return self in (Priority.LIFE_THREATENING, Priority.EMERGENCY)


_PRIORITY_LABELS = {
    Priority.LIFE_THREATENING: "urgence vitale",
    Priority.EMERGENCY: "urgence",
    Priority.INPATIENT: "hospitalisé",
    Priority.OUTPATIENT: "externe",
}
_PRIORITY_RANK = {p: i for i, p in enumerate(Priority)}


class AvailabilityKind(StrEnum):
    DUTY = "duty"  # de garde / d'astreinte: reads emergencies first
    PRESENT = "present"  # présent sur site (plan de présence): reads scheduled work first


@dataclass(frozen=True)
class ServiceLevels:
    """Target turnaround (ready to signed) and re-routing delays per priority class."""

    targets: dict[Priority, dt.timedelta] = field(
        default_factory=lambda: {
            Priority.LIFE_THREATENING: dt.timedelta(minutes=30),
            Priority.EMERGENCY: dt.timedelta(minutes=60),
            Priority.INPATIENT: dt.timedelta(hours=24),
            Priority.OUTPATIENT: dt.timedelta(hours=72),
        }
    )
    # an assigned exam not opened within this delay is offered to another reader
    open_delays: dict[Priority, dt.timedelta] = field(
        default_factory=lambda: {
            Priority.LIFE_THREATENING: dt.timedelta(minutes=5),
            Priority.EMERGENCY: dt.timedelta(minutes=10),
            Priority.INPATIENT: dt.timedelta(hours=3),
            Priority.OUTPATIENT: dt.timedelta(hours=12),
        }
    )
    # the deadline is "at risk" when this share of the target has elapsed and it is not opened
    risk_fraction: float = 0.6

    def target(self, priority: Priority) -> dt.timedelta:
        return self.targets[priority]

    def deadline(self, priority: Priority, ready_at: dt.datetime) -> dt.datetime:
        return ready_at + self.targets[priority]


@dataclass(frozen=True)
class Exam:
    """An exam whose images are available and that must be read (interpreted and signed)."""

    id: str
    patient_key: str  # pseudonym (keyed HMAC), never an identity
    site: str
    member: str  # member whose activity it is (drives the member's routing rule)
    modality: str
    competence: str  # competence needed to read it: general, neuro, paediatric, ...
    priority: Priority
    ready_at: dt.datetime
    deadline: dt.datetime
    work_units: float = 1.0  # 1 unit ~ ``RoutingConfig.minutes_per_unit`` minutes of reading
    critical: bool = False  # critical or stroke: ignores queue caps, read first
    exam_type: str = ""


@dataclass(frozen=True)
class Reader:
    """A radiologist who may read: competences, privileges per site, queue cap."""

    id: str
    member: str
    competences: frozenset[str]
    sites: frozenset[str]  # sites where the reader holds privileges
    cap_units: float = 6.0  # queue ceiling (assigned, not signed) in work units


@dataclass(frozen=True)
class RotaEntry:
    """The reader is on duty (``DUTY``) or present on a site (``PRESENT``) in [start, end)."""

    reader_id: str
    start: dt.datetime
    end: dt.datetime
    kind: AvailabilityKind
    site: str | None = None  # where present (None: remote duty)


@dataclass(frozen=True)
class Availability:
    """What the router knows about a reader right now."""

    kind: AvailabilityKind
    site: str | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True)
class RoutingConfig:
    levels: ServiceLevels = field(default_factory=ServiceLevels)
    minutes_per_unit: float = 10.0
    # a reading that overran its estimate is expected to need this share of it more (see
    # ``RoutingState._reading_ends``); 0 would treat an overrunning reader as free now
    overrun_floor: float = 0.25
    # members whose exams go to their own radiologists first, then to the pool
    own_first_members: frozenset[str] = frozenset()
    # a specialised exam of an emergency class may fall back to this competence when no
    # specialist can read it now (e.g. a night head CT read by the general radiologist on duty)
    fallback: dict[str, str] = field(
        default_factory=lambda: {
            "neuro": "general",
            "paediatric": "general",
            "msk": "general",
            "cardiac": "general",
            "breast": "general",
        }
    )
    fallback_priorities: frozenset[Priority] = frozenset(
        {Priority.LIFE_THREATENING, Priority.EMERGENCY}
    )
    # duty readers take non-emergency work only when idle and no present reader can read it
    # (without it, 5 % of inpatients miss 24 h at weekends; with it, emergencies wait behind
    # routine reads that cannot be interrupted)
    duty_backfill: frozenset[Priority] = frozenset({Priority.INPATIENT})
    # ... and only while another duty reader stays idle for emergencies, or once the deadline
    # is this close (the deadline-risk timer, at 60 % of a 24 h target, comes after it)
    duty_backfill_urgent: dt.timedelta = dt.timedelta(hours=10)
    # re-route after an open delay only if the new reader is expected to finish this much sooner
    min_gain: dt.timedelta = dt.timedelta(minutes=5)
    # an idle reader takes an unopened emergency from another queue when they would sign it
    # this much sooner (0: as soon as it is not later, i.e. late binding to whoever frees first)
    steal_gain: dt.timedelta = dt.timedelta(0)
    # same-patient grouping yields for an emergency class when the holder is reading another
    # exam and another reader would sign it earlier (two exams read in parallel)
    grouping_yields: bool = True
    # an emergency may go to a generalist expected up to this much later than a specialist
    specialist_slack: dt.timedelta = dt.timedelta(0)
    # scheduled work (present readers, or duty backfill): the reader the emergencies need most
    # counts as holding this many work units more, the others in proportion below
    # (``RoutingState.emergency_need``): routine reads, which cannot be interrupted, go first
    # to readers the emergencies need least (0: the lightest queue only; in the demo, 2 took
    # the emergency turnaround from 1.043 to 1.039 x the offline bound at scale 1 and from
    # 1.048 to 1.041 at scale 4, routine work still read within its targets)
    routine_need_units: float = 2.0


class DecisionKind(StrEnum):
    ASSIGN = "assign"
    REROUTE = "reroute"
    HOLD = "hold"  # waits in the shared queue (caps reached, no reader of the right kind)
    ESCALATE = "escalate"  # coordinator must act; the exam stays visible (never lost)


@dataclass(frozen=True)
class Decision:
    exam_id: str
    kind: DecisionKind
    at: dt.datetime
    reader_id: str | None
    reason: str  # French, shown to the coordinator
    rule: str  # machine code of the rule that decided
    previous_reader_id: str | None = None
    batch: int = 0  # decisions of one group move share a batch number


def can_read(reader: Reader, exam: Exam, config: RoutingConfig) -> tuple[bool, bool]:
    """(competent, only through the emergency fallback competence)."""
    if exam.competence in reader.competences:
        return True, False
    fb = config.fallback.get(exam.competence)
    if fb is not None and exam.priority in config.fallback_priorities and fb in reader.competences:
        return True, True
    return False, False
