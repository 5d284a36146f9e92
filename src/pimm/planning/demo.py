"""Demo planning: opening hours, templates, exam types, a published quarter and some bookings.

The quarter starts on the first of the month the demo is loaded in; the bookings are taken at
load time, a third of them for the days left in the current week.

Fast on purpose (greedy plan): `make demo` and the test session load it every time.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from pimm.accounts.models import User
from pimm.engine.vacations.calendar import DEFAULT_TIMES
from pimm.engine.vacations.demo_adapter import OPENING
from pimm.planning import adapter, services
from pimm.planning import models as pm
from pimm.registry.models import Equipment, Platform

EXAM_TYPES = (
    ("CT_HEAD", "Scanner cérébral", "CT", 15),
    ("CT_CHEST", "Scanner thoracique", "CT", 15),
    ("CT_TAP", "Scanner thoraco-abdomino-pelvien", "CT", 30),
    ("MRI_BRAIN", "IRM cérébrale", "MRI", 30),
    ("MRI_KNEE", "IRM du genou", "MRI", 30),
    ("MRI_SPINE", "IRM du rachis", "MRI", 60),
    ("PET_WB", "TEP-TDM corps entier", "PET_CT", 60),
    ("BONE_SCAN", "Scintigraphie osseuse", "GAMMA", 30),
    ("ANGIO", "Angiographie interventionnelle", "INTERV", 60),
)
MERM = {"CT": 2, "MRI": 2, "PET_CT": 2, "GAMMA": 1, "INTERV": 2}
DEMO_BOOKINGS = 60


def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    return dt.date(d.year + y, m + 1, 1)


def load_reference_data() -> None:
    """Exam types and slot templates (idempotent)."""
    for code, label, modality, minutes in EXAM_TYPES:
        pm.ExamType.objects.get_or_create(
            code=code, defaults={"label": label, "modality": modality, "minutes": minutes}
        )
    if pm.SlotTemplate.objects.exists():
        return
    ct = pm.SlotTemplate.objects.create(
        code="scanner", modality="CT", slot_minutes=15, emergency_slots=2, emergency_slots_pdses=4
    )
    pm.SpecialisedQuota.objects.create(template=ct, purpose="paediatric", slots=2, weekdays=[2])
    pm.SpecialisedQuota.objects.create(template=ct, purpose="screening", slots=2, weekdays=[4])
    mri = pm.SlotTemplate.objects.create(
        code="irm", modality="MRI", slot_minutes=30, emergency_slots=1, emergency_slots_pdses=2
    )
    pm.SpecialisedQuota.objects.create(template=mri, purpose="neuro", slots=2, weekdays=[3])
    pm.SpecialisedQuota.objects.create(template=mri, purpose="disability", slots=2, weekdays=[1])
    pm.SpecialisedQuota.objects.create(template=mri, purpose="paediatric", slots=2, weekdays=[2])
    pm.SlotTemplate.objects.create(
        code="défaut", slot_minutes=30, emergency_slots=1, emergency_slots_pdses=1
    )


def load_device_settings(start: dt.date) -> None:
    """Opening hours (as the engine's demo adapter), a profile and a maintenance day per device."""
    for rank, eq in enumerate(Equipment.objects.order_by("code")):
        pm.DeviceProfile.objects.get_or_create(
            equipment=eq,
            defaults={
                "merm_required": MERM.get(eq.modality, 1),
                "requires_presence": eq.modality == "INTERV",
                "accessible": rank % 3 != 2,
            },
        )
        if not eq.opening_hours.exists():
            pm.OpeningHours.objects.bulk_create(
                pm.OpeningHours(
                    equipment=eq,
                    weekday=w,
                    part=part.value,
                    start=DEFAULT_TIMES[part][0],
                    end=DEFAULT_TIMES[part][1],
                )
                for days, parts in OPENING[eq.modality]
                for w in days
                for part in parts
            )
        maint = start + dt.timedelta(days=7 * (rank % 11) + 7)
        while maint.weekday() >= 5:
            maint += dt.timedelta(days=1)
        pm.Closure.objects.get_or_create(
            equipment=eq,
            start=adapter.day_start(maint),
            end=adapter.day_start(maint + dt.timedelta(days=1)),
            defaults={"reason": "maintenance préventive constructeur"},
        )


def load_planning_demo(*, start: dt.date, seed: int = 7) -> pm.VacationPlan | None:
    """A published quarter from `start` with some bookings (skipped if a plan exists)."""
    if pm.VacationPlan.objects.exists():
        return None
    load_reference_data()
    load_device_settings(start)
    coordinator = User.objects.filter(role="coordinator").order_by("pk").first()
    platform = Platform.objects.order_by("pk").first()
    end = _add_months(start, 3)
    plan = pm.VacationPlan.objects.create(
        platform=platform,
        name=f"Trimestre du {start:%d/%m/%Y}",
        start=start,
        end=end,
        method=pm.VacationPlan.Method.GREEDY,
        status=pm.VacationPlan.Status.SOLVING,
        created_by=coordinator,
    )
    plan = services.plan_solve(plan_id=plan.pk)
    if plan.status != pm.VacationPlan.Status.READY:
        return plan
    plan = services.plan_publish(actor=coordinator, plan=plan)
    _book_some(plan, coordinator, seed)
    return plan


def _book_some(plan: pm.VacationPlan, actor, seed: int) -> None:
    rng = random.Random(seed)
    exam_types = list(pm.ExamType.objects.order_by("code"))
    members = list(plan.platform.members.order_by("code"))
    now = max(timezone.now(), timezone.make_aware(dt.datetime.combine(plan.start, dt.time(0))))
    local = timezone.localtime(now)
    week_left = (
        dt.datetime.combine(
            local.date() + dt.timedelta(days=7 - local.weekday()), dt.time(0), tzinfo=local.tzinfo
        )
        - local
    )  # up to next Monday 00:00
    for i in range(DEMO_BOOKINGS):
        exam = rng.choice(exam_types)
        emergency = rng.random() < 0.15
        ahead = (
            week_left * rng.random()
            if i % 3 == 0
            else dt.timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 12))
        )
        try:
            services.booking_create(
                actor=actor,
                order_reference=f"DEM-{i + 1:05d}",
                exam_type=exam,
                patient_pseudonym=f"PAT-{rng.randrange(16**6):06X}{i % 10}{i % 7}",
                member=rng.choice(members),
                priority=pm.Priority.EMERGENCY if emergency else pm.Priority.ROUTINE,
                not_before=now + ahead,
                now=now,
            )
        except services.PlanningRefused:
            continue
