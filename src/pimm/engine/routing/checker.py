"""Independent checker of a routing run.

It replays the journal (decisions, opens, signs) against the raw inputs — exams, readers, the
rota — without using the router's state or code, and reports every assignment that breaks a
rule: competence (or the emergency fallback while a specialist was available), privilege on the
site, duty/presence at that time, the queue cap (except critical/stroke exams and same-patient
grouping), same-patient grouping (which may yield for an emergency class only while the other
holder is reading an exam, when ``grouping_yields`` is on), an escalation "no competent reader" while one existed, an exam
routed before it was ready, and an exam lost (routed but neither signed, held nor assigned).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pimm.engine.routing.model import (
    Decision,
    DecisionKind,
    Exam,
    Reader,
    RotaEntry,
    RoutingConfig,
)
from pimm.engine.routing.state import Event


@dataclass(frozen=True)
class Violation:
    rule: str
    exam_id: str
    reader_id: str | None
    at: dt.datetime
    detail: str


class _Rota:
    def __init__(self, rota: Iterable[RotaEntry]) -> None:
        per: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
        for e in rota:
            per.setdefault(e.reader_id, []).append((e.start, e.end))
        self.starts: dict[str, list[dt.datetime]] = {}
        self.ends: dict[str, list[dt.datetime]] = {}
        for r, ivs in per.items():
            merged: list[list[dt.datetime]] = []
            for s, e in sorted(ivs):
                if merged and s <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], e)
                else:
                    merged.append([s, e])
            self.starts[r] = [m[0] for m in merged]
            self.ends[r] = [m[1] for m in merged]

    def available(self, reader_id: str, t: dt.datetime) -> bool:
        starts = self.starts.get(reader_id)
        if not starts:
            return False
        i = bisect.bisect_right(starts, t) - 1
        return i >= 0 and t < self.ends[reader_id][i]


def check_run(
    exams: Sequence[Exam],
    readers: Sequence[Reader],
    rota: Sequence[RotaEntry],
    journal: Sequence[Decision | Event],
    config: RoutingConfig | None = None,
    require_all_signed: bool = False,
) -> list[Violation]:
    config = config or RoutingConfig()
    exam_by_id = {e.id: e for e in exams}
    reader_by_id = {r.id: r for r in readers}
    avail = _Rota(rota)
    out: list[Violation] = []

    def specialist_available(exam: Exam, t: dt.datetime) -> bool:
        return any(
            exam.competence in r.competences and exam.site in r.sites and avail.available(r.id, t)
            for r in readers
        )

    def competent(r: Reader, exam: Exam, t: dt.datetime) -> tuple[bool, str]:
        if exam.competence in r.competences:
            return True, ""
        fb = config.fallback.get(exam.competence)
        if fb is None or exam.priority not in config.fallback_priorities:
            return False, f"compétence {exam.competence} absente"
        if fb not in r.competences:
            return False, f"ni {exam.competence} ni {fb}"
        if specialist_available(exam, t):
            return False, f"repli {fb} alors qu'un spécialiste {exam.competence} était disponible"
        return True, ""

    def eligible(r: Reader, exam: Exam, t: dt.datetime) -> bool:
        return exam.site in r.sites and avail.available(r.id, t) and competent(r, exam, t)[0]

    holder: dict[str, str] = {}
    load: dict[str, float] = {}
    patients: dict[str, dict[str, int]] = {}
    routed: set[str] = set()
    waiting: set[str] = set()
    signed: set[str] = set()
    reading: dict[str, set[str]] = {}  # reader -> exams opened and not signed

    def drop(exam_id: str) -> None:
        r = holder.pop(exam_id)
        reading.get(r, set()).discard(exam_id)
        e = exam_by_id[exam_id]
        load[r] -= e.work_units
        ps = patients[e.patient_key]
        ps[r] -= 1
        if not ps[r]:
            del ps[r]

    def add(exam_id: str, r: str) -> None:
        e = exam_by_id[exam_id]
        holder[exam_id] = r
        load[r] = load.get(r, 0.0) + e.work_units
        ps = patients.setdefault(e.patient_key, {})
        ps[r] = ps.get(r, 0) + 1

    batch_items: list[Decision] = []

    def close_batch() -> None:
        for d in batch_items:
            e = exam_by_id[d.exam_id]
            if holder.get(d.exam_id) != d.reader_id:
                continue
            for h in patients.get(e.patient_key, {}):
                if (
                    e.priority.is_emergency
                    and config.grouping_yields
                    and reading.get(h)
                    and h != d.reader_id
                ):
                    continue  # the holder is busy reading: the emergency may go in parallel
                if h != d.reader_id and eligible(reader_by_id[h], e, d.at):
                    out.append(
                        Violation(
                            "patient_grouping",
                            d.exam_id,
                            d.reader_id,
                            d.at,
                            f"{h} détient un autre examen du patient et pouvait le lire",
                        )
                    )
        batch_items.clear()

    last_batch = None
    last_t = None
    for entry in journal:
        if last_t is not None and entry.at < last_t:
            out.append(Violation("chronology", entry.exam_id, None, entry.at, "journal non trié"))
        last_t = entry.at
        if isinstance(entry, Event) or entry.batch != last_batch:
            close_batch()
            last_batch = None if isinstance(entry, Event) else entry.batch
        exam = exam_by_id.get(entry.exam_id)
        if exam is None:
            out.append(Violation("unknown_exam", entry.exam_id, None, entry.at, "inconnu"))
            continue
        if isinstance(entry, Event):
            if holder.get(entry.exam_id) != entry.reader_id:
                out.append(
                    Violation(entry.kind, entry.exam_id, entry.reader_id, entry.at, "non détenu")
                )
                continue
            if entry.kind == "sign":
                drop(entry.exam_id)
                signed.add(entry.exam_id)
            elif entry.kind == "open":
                reading.setdefault(entry.reader_id, set()).add(entry.exam_id)
            continue
        d = entry
        if d.at < exam.ready_at:
            out.append(Violation("not_ready", d.exam_id, d.reader_id, d.at, "avant disponibilité"))
        if d.exam_id in signed:
            out.append(Violation("after_sign", d.exam_id, d.reader_id, d.at, "déjà signé"))
        routed.add(d.exam_id)
        if d.reader_id is None:
            if d.kind == DecisionKind.ESCALATE and d.rule == "deadline_risk":
                continue  # a warning on an exam that stays where it is
            if d.exam_id in holder:
                drop(d.exam_id)
            waiting.add(d.exam_id)
            if d.rule == "no_competent_reader":
                for r in readers:
                    if eligible(r, exam, d.at):
                        out.append(
                            Violation(
                                "false_escalation",
                                d.exam_id,
                                r.id,
                                d.at,
                                "un lecteur compétent était disponible",
                            )
                        )
                        break
            continue
        if d.kind == DecisionKind.ESCALATE:  # deadline warning naming the current holder
            if holder.get(d.exam_id) != d.reader_id:
                out.append(Violation("escalate", d.exam_id, d.reader_id, d.at, "non détenu"))
            continue
        r = reader_by_id.get(d.reader_id)
        if r is None:
            out.append(Violation("unknown_reader", d.exam_id, d.reader_id, d.at, "inconnu"))
            continue
        if d.exam_id in holder:
            drop(d.exam_id)
        waiting.discard(d.exam_id)
        ok, why = competent(r, exam, d.at)
        if not ok:
            out.append(Violation("competence", d.exam_id, r.id, d.at, why))
        if exam.site not in r.sites:
            out.append(Violation("privilege", d.exam_id, r.id, d.at, f"site {exam.site}"))
        if not avail.available(r.id, d.at):
            out.append(Violation("duty", d.exam_id, r.id, d.at, "ni de garde ni présent"))
        before = load.get(r.id, 0.0)
        grouped = patients.get(exam.patient_key, {}).get(r.id, 0) > 0
        if (
            not exam.critical
            and not grouped
            and before > 0
            and before + exam.work_units > r.cap_units + 1e-9
        ):
            out.append(
                Violation("cap", d.exam_id, r.id, d.at, f"{before}+{exam.work_units}>{r.cap_units}")
            )
        add(d.exam_id, r.id)
        batch_items.append(d)
    close_batch()
    for e in exams:
        if e.id not in routed:
            out.append(Violation("lost", e.id, None, e.ready_at, "jamais routé"))
        elif require_all_signed and e.id not in signed:
            out.append(Violation("unsigned", e.id, holder.get(e.id), e.ready_at, "non signé"))
        elif e.id not in signed and e.id not in holder and e.id not in waiting:
            out.append(Violation("lost", e.id, None, e.ready_at, "ni signé ni en file"))
    return out
