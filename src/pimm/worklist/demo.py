"""A day of demo exams, played by ``pimm.engine.simulation`` and written through the services.

The simulation routes a seeded day of arrivals with the real router; each step (exam ready,
decision, exam opened, report signed) is written with the worklist services, so the demo and the
application share one code path. The day is shifted so that it ends *now* at a moment when the
demo radiologist (login ``radiologue``) has exams in their queue. Who may read comes from the
same source as live routing (``inputs.availability_entries``: the published on-call rota, and
the presence plan written first from the demo's duty plan), so live routing goes on from there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from pimm.engine.routing import AvailabilityKind, Decision, DecisionKind, RotaEntry, Router
from pimm.engine.simulation import Scenario, Simulation
from pimm.engine.simulation.demo_adapter import scenario_from_demo
from pimm.oncall import models as om
from pimm.oncall import selectors as oncall
from pimm.registry import models as m
from pimm.worklist import inputs, services
from pimm.worklist import models as w

FAMILY = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
]
GIVEN = ["Marie", "Jean", "Pierre", "Camille", "Louise", "Lucas", "Emma", "Hugo", "Chloé", "Paul"]
DEMO_READER = "radiologue"
WINDOW = dt.timedelta(hours=6)  # exams written: those ready in the last hours before the cut
NEAR = dt.timedelta(hours=3)  # the cut is looked for this close to the wall clock
REST = dt.timedelta(hours=11)  # repos de sécurité after a duty (the rota's rule)


def _identity(rng: random.Random) -> dict:
    born = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 33000))
    body = f"{rng.choice('12')}{born:%y%m}{rng.randrange(1, 96):02d}{rng.randrange(1, 999):03d}"
    body += f"{rng.randrange(1, 999):03d}"
    nir = body + f"{97 - int(body) % 97:02d}"
    return {
        "family_name": rng.choice(FAMILY),
        "given_name": rng.choice(GIVEN),
        "birth_date": born,
        "nir": nir,
    }


def _minus(spans: list[tuple], holes: list[tuple]) -> list[tuple]:
    """The parts of ``spans`` outside every hole (half-open intervals)."""
    for h0, h1 in holes:
        out = []
        for a, b in spans:
            if h1 <= a or b <= h0:
                out.append((a, b))
                continue
            if a < h0:
                out.append((a, h0))
            if h1 < b:
                out.append((h1, b))
        spans = out
    return spans


def _cut_step(sc: Scenario, reader_code: str | None, local_now: dt.datetime) -> int:
    sim = Simulation(sc, Router())
    best: dict[int, tuple] = {}  # exams held (capped at 2) -> (distance to now, step index)
    i = -1
    while (step := sim.step()) is not None and step.at <= sc.end:
        i += 1
        held = min(2, len(sim.state.queues.get(reader_code, ()))) if reader_code else 2
        if held == 0 and step.at > local_now:
            continue
        if held > 0 and abs(step.at - local_now) > NEAR:
            held = 0  # too far from the wall clock: the day would no longer look like now
        key = (abs((step.at - local_now).total_seconds()), i)
        if held not in best or key < best[held]:
            best[held] = key
    for held in (2, 1, 0):
        if held in best:
            return best[held][1]
    return max(i, 0)


def _plan_and_rota(
    d, start: dt.date, reader_pk: dict[str, int], sites: dict, extra: list[RotaEntry]
) -> Scenario:
    """Write the day's presence plan, then read who may read back through the live duty source.

    The demo's duty plan gives the presence on site and the duties; a duty is written to the
    presence plan only where no published on-call rota covers it (the published rota is read
    by ``inputs.availability_entries``, exactly as live routing reads it).
    """
    sc = scenario_from_demo(d, days=1, start=start, drain_days=1)
    code_of = {pk: code for code, pk in reader_pk.items()}
    site_code = {str(site.pk): code for code, site in sites.items()}
    # a practitioner holding a published duty is not present on site during it nor in the rest
    # period after it (repos de sécurité): the published rota stays legal under the presence plan
    lo = min((e.start for e in [*sc.rota, *extra]), default=sc.start) - dt.timedelta(days=1)
    hi = max((e.end for e in [*sc.rota, *extra]), default=sc.end) + dt.timedelta(days=1)
    off_site: dict[int, list[tuple]] = {}
    for p in oncall.on_duty_between(start=inputs.aware(lo), end=inputs.aware(hi)):
        off_site.setdefault(p.practitioner_id, []).append(
            (inputs.naive(p.starts_at), inputs.naive(p.ends_at) + REST)
        )
    for e in [*sc.rota, *extra]:
        if e.reader_id not in reader_pk:
            continue
        spans = [(e.start, e.end)]
        if e.kind == AvailabilityKind.DUTY and e not in extra:
            # the published rota says who holds the on-call lines then
            published = oncall.on_duty_between(start=inputs.aware(e.start), end=inputs.aware(e.end))
            spans = _minus(
                spans, [(inputs.naive(p.starts_at), inputs.naive(p.ends_at)) for p in published]
            )
        elif e.kind != AvailabilityKind.DUTY:
            spans = _minus(spans, off_site.get(reader_pk[e.reader_id], []))
        for a, b in spans:
            om.ReaderPresence.objects.create(
                practitioner_id=reader_pk[e.reader_id],
                site=sites.get(e.site) if e.site else None,
                start=inputs.aware(a),
                end=inputs.aware(b),
                on_duty=e.kind == AvailabilityKind.DUTY,
            )
    t0 = sc.start - dt.timedelta(days=1)
    entries = inputs.availability_entries(
        inputs.aware(t0), inputs.aware(sc.start + dt.timedelta(days=2))
    )
    rota = tuple(
        dataclasses.replace(
            e, reader_id=code_of[int(e.reader_id)], site=site_code.get(e.site) if e.site else None
        )
        for e in entries
        if int(e.reader_id) in code_of
    )
    return dataclasses.replace(sc, rota=rota)


def load_worklist_demo(d, now: dt.datetime | None = None) -> int:
    """Fill the worklist from the generated demo ``d``; returns the number of exams written.

    Synthetic rows are not historised (no audit events for the demo's own load): this keeps the
    load at a few seconds; everything done afterwards in the demo is audited as usual.
    """
    with override_settings(SIMPLE_HISTORY_ENABLED=False), transaction.atomic():
        return _load(d, now)


def _load(d, now: dt.datetime | None) -> int:
    platform = m.Platform.objects.order_by("pk").first()
    if platform is None or w.Exam.objects.exists():
        return 0
    classes = {pc.code: pc for pc in services.priority_classes_ensure(platform=platform)}
    # elapsed-time arithmetic in UTC: with a Paris tzinfo, ``now - 1 h`` is wall-clock
    # arithmetic and lands in the spring DST gap (a time that reads an hour late)
    now = (now or timezone.now()).astimezone(dt.UTC)
    local_now = inputs.naive(now)
    by_rpps = {p.rpps: p for p in m.Practitioner.objects.all()}
    reader_pk = {p.code: by_rpps[p.rpps].pk for p in d.practitioners if p.rpps in by_rpps}
    code_of = {v: k for k, v in reader_pk.items()}
    sites = {s.code: s for s in m.Site.objects.select_related("member")}
    demo_reader = m.Practitioner.objects.filter(user__username=DEMO_READER).first()
    reader_code = code_of.get(demo_reader.pk) if demo_reader else None
    site_code = None
    if demo_reader is not None:
        first_site = demo_reader.sites.order_by("pk").first()
        site_code = first_site.code if first_site else None
    day0 = dt.datetime.combine(local_now.date(), dt.time(0))
    extra = []
    if reader_code and site_code:  # the demo login reads all day (on duty: emergencies first),
        # from the evening before: loaded at 03:00, the demo still shows reports they signed
        extra.append(
            RotaEntry(
                reader_code,
                day0 - dt.timedelta(hours=6),
                day0 + dt.timedelta(days=2),
                AvailabilityKind.DUTY,
                site_code,
            )
        )
    sc = _plan_and_rota(d, local_now.date(), reader_pk, sites, extra)
    # the day is cut at the step nearest the wall clock's time of day (within ``NEAR``) where
    # the demo reader holds two exams (else one, else the wall clock itself), then replayed up
    # to there: the simulation is deterministic
    cut = _cut_step(sc, reader_code, local_now)
    sim = Simulation(sc, Router())
    steps = []
    while len(steps) <= cut and (step := sim.step()) is not None:
        steps.append(step)
    if not steps:
        return 0
    last = max(s.at for s in steps)  # the cut's time: no replayed step is after it

    def at(t: dt.datetime) -> dt.datetime:
        # measured back from now in elapsed time: a step before the cut is never in the future,
        # even across a DST change (a naive local time in the spring gap would be)
        return now - (last - t)

    rng = random.Random(d.seed)
    patients: dict[str, w.Patient] = {}
    exam_pk: dict[str, int] = {}
    arrivals = {a.exam.id: a.exam for a in sc.arrivals}

    def db_decision(dec: Decision) -> Decision:
        return dataclasses.replace(
            dec,
            exam_id=str(exam_pk[dec.exam_id]),
            reader_id=str(reader_pk[dec.reader_id]) if dec.reader_id else None,
            previous_reader_id=str(reader_pk[dec.previous_reader_id])
            if dec.previous_reader_id
            else None,
        )

    first = steps[-1].at - WINDOW
    for step in steps:
        when = at(step.at)
        if step.kind == "ready" and step.at >= first:
            ex = arrivals[step.exam_id]
            if ex.patient_key not in patients:
                patients[ex.patient_key] = services.patient_get_or_create(**_identity(rng))
            site = sites[ex.site]
            order = services.order_create(
                patient=patients[ex.patient_key],
                site=site,
                priority=classes[ex.priority.value],
                requested_at=when - dt.timedelta(minutes=45),
                requester="Service des urgences"
                if ex.priority.is_emergency
                else "Médecin traitant",
            )
            exam = services.exam_create(
                order=order,
                modality=ex.modality,
                competence=ex.competence,
                exam_type=ex.exam_type,
                critical=ex.critical,
                work_units=ex.work_units,
                scheduled_at=when - dt.timedelta(minutes=30),
                performed_at=when,
            )
            exam_pk[ex.id] = exam.pk
        decisions = [db_decision(x) for x in step.decisions if x.exam_id in exam_pk]
        if decisions:
            services.decisions_apply(decisions=decisions, versions={}, at=when)
        if step.kind == "sign" and step.exam_id in exam_pk:
            exam = w.Exam.objects.get(pk=exam_pk[step.exam_id])
            reader = m.Practitioner(pk=reader_pk[step.reader_id])
            services.report_save(exam=exam, reader=reader, text=_report_text(exam))
            services.report_sign(exam=exam, reader=reader, at=when)
        for reader_code_, exam_id in step.opened:
            if exam_id in exam_pk and not (reader_code_ == reader_code and step is steps[-1]):
                exam = w.Exam.objects.get(pk=exam_pk[exam_id])
                services.exam_open(
                    exam=exam, reader=m.Practitioner(pk=reader_pk[reader_code_]), at=when
                )
    _demo_reader_at_work(demo_reader, now)
    return len(exam_pk)


def _demo_reader_at_work(reader, now: dt.datetime) -> None:
    """The demo login has exams waiting in their queue, one open with a draft report and at
    least one signed, so the demo shows every state of the reading flow whatever the hour (a
    quiet night gets outpatients performed just before)."""
    site = reader.sites.order_by("pk").first() if reader else None
    if site is None:
        return
    classes = services.priority_classes_ensure(platform=site.member.platform)
    outpatient = next(c for c in classes if c.code == "outpatient")
    rng = random.Random(reader.pk)
    held = list(
        w.Exam.objects.filter(reader=reader, status=w.Exam.Status.ASSIGNED).order_by("ready_at")
    )
    while len(held) < 3:
        performed = now - dt.timedelta(minutes=5 + 7 * len(held))
        held.append(_assigned(reader, site, outpatient, performed, rng, now))
    if not w.Exam.objects.filter(reader=reader, status=w.Exam.Status.SIGNED).exists():
        performed = now - dt.timedelta(minutes=50)
        exam = _assigned(reader, site, outpatient, performed, rng, performed)
        services.report_save(exam=exam, reader=reader, text=_report_text(exam), at=performed)
        services.report_sign(exam=exam, reader=reader, at=now - dt.timedelta(minutes=30))
    services.exam_open(exam=held[0], reader=reader, at=now)
    services.report_save(exam=held[0], reader=reader, text=_report_text(held[0]), at=now)


def _assigned(reader, site, priority, performed: dt.datetime, rng, at: dt.datetime) -> w.Exam:
    order = services.order_create(
        patient=services.patient_get_or_create(**_identity(rng)),
        site=site,
        priority=priority,
        requested_at=performed - dt.timedelta(hours=2),
        requester="Médecin traitant",
    )
    exam = services.exam_create(
        order=order,
        modality="CT",
        exam_type="CT_CHEST",
        scheduled_at=performed - dt.timedelta(minutes=20),
        performed_at=performed,
    )
    reason = "Confié au radiologue de garde le plus tôt disponible"  # rendered from the rule
    decision = Decision(str(exam.pk), DecisionKind.ASSIGN, at, str(reader.pk), reason, "duty")
    services.decisions_apply(decisions=[decision], versions={}, at=at)
    return exam


def _report_text(exam: w.Exam) -> str:
    return (
        f"{exam.modality} {exam.exam_type} : examen de bonne qualité technique. "
        "Pas d'anomalie significative décelée. Conclusion : examen sans particularité (démo)."
    )
