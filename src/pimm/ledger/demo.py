"""The ledger's part of the demo: the sourced tariff extract (loaded before the worklist signs
its exams), then last month's activity signed through the worklist's services (so the hook
writes its entries), its costs and revenue shared by the convention's keys, the practitioners'
pay, two extra-fee requests (one refused), and the month closed."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from pimm.accounts.models import User
from pimm.accounts.roles import Role
from pimm.engine.routing import Decision, DecisionKind
from pimm.ledger import imports, services
from pimm.ledger import models as lm
from pimm.planning import selectors as planning
from pimm.registry import models as m
from pimm.registry import selectors as registry
from pimm.worklist import selectors as worklist_selectors
from pimm.worklist import services as worklist

KINDS = {
    "CT": ("CT/general", "CT/neuro", "CT/msk", "CT/cardiac"),
    "MRI": ("MRI/neuro", "MRI/msk"),
}


def load_reference() -> None:
    imports.load_reference(actor=None)


def _nir(rng: random.Random, born: dt.date) -> str:
    body = f"{rng.choice('12')}{born:%y%m}{rng.randrange(1, 96):02d}{rng.randrange(1, 999):03d}"
    body += f"{rng.randrange(1, 999):03d}"
    return body + f"{97 - int(body) % 97:02d}"


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def sign_exam(*, equipment, kind, priority, reader, when, rng, css=False):
    born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 25000))
    patient = worklist.patient_get_or_create(
        family_name=rng.choice(("MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "PETIT")),
        given_name=rng.choice(("Jeanne", "Paul", "Louise", "Marc", "Inès", "Hugo")),
        birth_date=born,
        nir=_nir(rng, born),
        css=css,
    )
    order = worklist.order_create(
        patient=patient,
        site=equipment.site,
        priority=priority,
        requested_at=when - dt.timedelta(hours=1),
        requester="Médecin traitant",
    )
    exam = worklist.exam_create(
        order=order,
        modality=equipment.modality,
        competence=kind.split("/")[1],
        exam_type=f"{kind}@{equipment.code}",
        scheduled_at=when - dt.timedelta(minutes=20),
        performed_at=when,
    )
    decision = Decision(str(exam.pk), DecisionKind.ASSIGN, when, str(reader.pk), "Démo", "duty")
    worklist.decisions_apply(decisions=[decision], versions={}, at=when)
    worklist.report_save(
        exam=exam, reader=reader, text="Examen sans particularité (démo).", at=when
    )
    worklist.report_sign(exam=exam, reader=reader, at=when + dt.timedelta(minutes=40))
    return exam


# the weekdays of last month on which each heavy device has an exam signed (Tuesday, Thursday):
# every exam goes through the worklist's services and the ledger's hook, about 40 ms each, and
# every test session loads the demo; a month of every working day cost four times as much
EXAM_WEEKDAYS = (1, 3)


def load_ledger_demo(
    *, today: dt.date | None = None, per_device_day: int = 1, weekdays=EXAM_WEEKDAYS
) -> lm.Period:
    """Last month, signed, shared, paid and closed (a few seconds: one exam per heavy device
    on two weekdays of each week, and a night emergency each week)."""
    today = today or timezone.localdate()
    platform = registry.current_platform()
    coordinator = User.objects.filter(role=Role.COORDINATOR).order_by("pk").first()
    month = services.month_of(today.replace(day=1) - dt.timedelta(days=1))
    end = services.month_end(month)
    rng = random.Random(7)
    classes = {c.code: c for c in worklist.priority_classes_ensure(platform=platform)}
    devices = [e for e in registry.active_equipment(platform_id=platform.pk) if e.modality in KINDS]
    readers = list(registry.active_practitioners(platform_id=platform.pk))
    with override_settings(SIMPLE_HISTORY_ENABLED=False), transaction.atomic():
        for p in readers:
            private = p.status == m.Practitioner.Status.PRIVATE
            services.fee_policy_set(
                actor=coordinator,
                practitioner=p,
                sector=lm.FeePolicy.Sector.TWO if private else lm.FeePolicy.Sector.SALARIED,
                extra_fees_agreed=private,
                max_extra_fee=Decimal("40.00") if private else None,
            )
        day, exams, emergencies = month, [], []
        while day <= end:
            if day.weekday() in weekdays:
                for e in devices:
                    for i in range(per_device_day):
                        exams.append(
                            sign_exam(
                                equipment=e,
                                kind=rng.choice(KINDS[e.modality]),
                                priority=classes["outpatient"],
                                reader=rng.choice(readers),
                                when=_at(day, 9 + 2 * i, rng.randrange(0, 59)),
                                rng=rng,
                                css=rng.random() < 0.1,
                            )
                        )
            if day.day % 7 == 3 and devices:
                emergencies.append(
                    sign_exam(
                        equipment=devices[0],
                        kind="CT/neuro",
                        priority=classes["emergency"],
                        reader=rng.choice(readers),
                        when=_at(day, 22, 15),
                        rng=rng,
                    )
                )
            day += dt.timedelta(days=1)
        period = services.period_for(platform_id=platform.pk, day=month)
        B, C, K = lm.CostLine.Basis, lm.CostLine.Category, lm.CostLine.Kind
        lines = [
            (K.COST, C.LEASING, "Crédit-bail des scanners et IRM", "42000.00", B.FIXED),
            (K.COST, C.MAINTENANCE, "Contrats de maintenance", "8750.40", B.TIME),
            (K.COST, C.STAFF, "Manipulateurs mis à disposition", "61234.57", B.ACTIVITY),
            (K.COST, C.IT, "Téléradiologie et PACS", "5100.00", B.MIX),
            (K.REVENUE, C.GRANT, "Dotation FIR de l'ARS", "15000.00", B.FIXED),
        ]
        # the equipment-time key needs a published vacation plan in that month
        planned = any(
            planning.equipment_minutes_by_member(
                platform_id=platform.pk, start=month, end=end
            ).values()
        )
        for kind, category, label, amount, basis in lines:
            if basis == B.TIME and not planned:
                basis = B.FIXED
            mix = {}
            if basis == B.MIX:
                mix = {
                    "mix_time": 50 if planned else 0,
                    "mix_activity": 30 if planned else 80,
                    "mix_fixed": 20,
                }
            services.cost_line_create(
                actor=coordinator,
                period=period,
                kind=kind,
                category=category,
                label=label,
                amount=Decimal(amount),
                basis=basis,
                **mix,
            )
        services.allocate_all(actor=coordinator, period=period)
        services.pay_compute(actor=coordinator, period=period, amount=Decimal("48000.00"))
        signed = {
            exam.pk: (exam, signer)
            for exam, signer in worklist_selectors.signed_exams_with_signers(
                exam_ids=[x.pk for x in exams + emergencies[:1]]
            )
        }
        if emergencies:
            exam, signer = signed[emergencies[0].pk]
            services.extra_fee_request(
                actor=coordinator, exam=exam, practitioner=signer, amount=Decimal("30.00")
            )
        private = [
            (exam, signer)
            for exam, signer in signed.values()
            if signer.status == m.Practitioner.Status.PRIVATE
            and not exam.patient.css
            and exam.priority.code == "outpatient"
        ]
        if private:
            exam, signer = private[0]
            services.extra_fee_request(
                actor=coordinator, exam=exam, practitioner=signer, amount=Decimal("25.00")
            )
        # the extra fee is dated today: last month closes without it
        services.period_close(actor=coordinator, period=period)
    return period
