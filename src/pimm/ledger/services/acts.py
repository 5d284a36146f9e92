"""Entries from signed exams: the intellectual act, the technical fee (degressive per device
and year, lower once depreciated), the archiving supplement and the emergency modifiers, at the
tariffs in force on the exam's date. A missing tariff, mapping or device is never a zero: the
exam goes to the to-fix list with the reason, and nothing of it is written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import holidays
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pimm.engine import ledger as engine
from pimm.engine.i18n import as_record, message
from pimm.ledger import models as lm
from pimm.ledger.services.periods import period_for
from pimm.planning import selectors as planning
from pimm.registry import selectors as registry


def problem(msgid: str, **params) -> str:
    """Why an exam cannot be written yet, kept with its msgid (marked ``gettext_noop`` where it is
    written, for the catalog) and parameters (``ToFix.problems``), so that the to-fix page reads
    it in the reader's language."""
    return message(msgid, **params)


HEAVY = ("CT", "MRI", "PET_CT")  # modalities paid with a technical fee (forfait technique)
EMERGENCY_CODES = ("life_threatening", "emergency")
ARCHIVING = "YYYY600"
NIGHT, HOLIDAY = "U", "F"


@lru_cache(maxsize=8)
def _holidays(year: int):
    return holidays.France(years=[year], language="fr")


def exam_day(exam) -> dt.date:
    """The exam's date (performed; signed when unknown), in Paris time."""
    at = exam.ready_at or exam.signed_at or exam.scheduled_at or timezone.now()
    return timezone.localdate(at)


@dataclass
class Tariffs:
    """Every tariff, scale and mapping, read once for a batch of exams."""

    tariffs: dict[str, list[lm.Tariff]] = field(default_factory=dict)
    scales: dict[str, list[lm.TechnicalFeeScale]] = field(default_factory=dict)
    mappings: dict[str, lm.ActMapping] = field(default_factory=dict)
    equipment: dict = field(default_factory=dict)  # code -> Equipment
    by_site: dict = field(default_factory=dict)  # (site_id, modality) -> Equipment

    @classmethod
    def load(cls, platform_id: int | None) -> Tariffs:
        t = cls()
        for row in lm.Tariff.objects.order_by("code", "-valid_from"):
            t.tariffs.setdefault(row.code, []).append(row)
        for row in lm.TechnicalFeeScale.objects.order_by("modality", "-valid_from"):
            t.scales.setdefault(row.modality, []).append(row)
        t.mappings = {x.exam_type: x for x in lm.ActMapping.objects.all()}
        if platform_id is not None:
            for e in registry.active_equipment(platform_id=platform_id):
                t.equipment[e.code] = e
                t.by_site.setdefault((e.site_id, e.modality), e)
        return t

    def tariff(self, code: str, day: dt.date) -> lm.Tariff | None:
        for row in self.tariffs.get(code, ()):
            if row.valid_from <= day and (row.valid_to is None or day <= row.valid_to):
                return row
        return None

    def scale(self, modality: str, day: dt.date) -> lm.TechnicalFeeScale | None:
        for row in self.scales.get(modality, ()):
            if row.valid_from <= day and (row.valid_to is None or day <= row.valid_to):
                return row
        return None


def _device(exam, t: Tariffs):
    if exam.equipment_id:
        return exam.equipment
    _, _, code = exam.exam_type.partition("@")
    return t.equipment.get(code) or t.by_site.get((exam.site_id, exam.modality))


@dataclass
class Planned:
    """The entries one exam will produce (technical fee rank assigned when written)."""

    exam: object
    day: dt.date
    lines: list[dict]
    device: object | None
    scale: lm.TechnicalFeeScale | None
    problems: list[str]


def plan_exam(exam, signer, t: Tariffs) -> Planned:
    if signer is not None and signer.member_id is None:  # a bare reference (pk only)
        signer = registry.practitioner(pk=signer.pk)
    day = exam_day(exam)
    when = timezone.localtime(exam.ready_at or exam.signed_at or timezone.now())
    fr = day.strftime("%d/%m/%Y")
    problems: list[str] = []
    lines: list[dict] = []
    base = {"exam": exam, "date": day}
    kind = exam.exam_type.partition("@")[0]
    mapping = t.mappings.get(kind)
    if signer is None:
        problems.append(problem(gettext_noop("L'examen n'a pas de signataire.")))
    if mapping is None:
        problems.append(
            problem(
                gettext_noop("Aucun acte CCAM n'est associé au type d'examen « %(type)s »."),
                type=planning.exam_type_name(kind) or "—",
            )
        )
    else:
        act = t.tariff(mapping.act_code, day)
        if act is None:
            problems.append(
                problem(
                    gettext_noop("Aucun tarif de l'acte %(code)s n'est en vigueur le %(day)s."),
                    code=mapping.act_code,
                    day=fr,
                )
            )
        elif signer is not None:
            lines.append(
                {
                    **base,
                    "kind": lm.Entry.Kind.ACT,
                    "code": act.code,
                    "amount": act.amount,
                    "label": act.label[:300],
                    "member_id": signer.member_id,
                    "practitioner": signer,
                }
            )
    device, scale = None, None
    if exam.modality in HEAVY:
        device = _device(exam, t)
        if device is None:
            problems.append(problem(gettext_noop("L'appareil qui a réalisé l'examen est inconnu.")))
        else:
            scale = t.scale(device.modality, day)
            if scale is None:
                problems.append(
                    problem(
                        gettext_noop(
                            "Aucun barème de forfait technique %(modality)s n'est en vigueur le %(day)s."
                        ),
                        modality=device.get_modality_display(),
                        day=fr,
                    )
                )
            if mapping is not None and mapping.archiving:
                sup = t.tariff(ARCHIVING, day)
                if sup is None:
                    problems.append(
                        problem(
                            gettext_noop(
                                "Aucun tarif du supplément %(code)s n'est en vigueur le %(day)s."
                            ),
                            code=ARCHIVING,
                            day=fr,
                        )
                    )
                else:
                    lines.append(
                        {
                            **base,
                            "kind": lm.Entry.Kind.SUPPLEMENT,
                            "code": sup.code,
                            "amount": sup.amount,
                            "label": sup.label[:300],
                            "member_id": device.holder_id,
                            "equipment": device,
                        }
                    )
    if exam.priority.code in EMERGENCY_CODES and signer is not None:
        modifier = None
        if when.hour >= 20 or when.hour < 8:
            modifier = NIGHT
        elif when.weekday() == 6 or day in _holidays(day.year):
            modifier = HOLIDAY
        if modifier:
            row = t.tariff(modifier, day)
            if row is None:
                problems.append(
                    problem(
                        gettext_noop(
                            "Aucun tarif du modificateur %(code)s n'est en vigueur le %(day)s."
                        ),
                        code=modifier,
                        day=fr,
                    )
                )
            else:
                lines.append(
                    {
                        **base,
                        "kind": lm.Entry.Kind.SUPPLEMENT,
                        "code": row.code,
                        "amount": row.amount,
                        "label": row.label[:300],
                        "member_id": signer.member_id,
                        "practitioner": signer,
                    }
                )
    return Planned(exam, day, lines, device, scale, problems)


def _technical_fees(planned: list[Planned]) -> list[dict]:
    """The technical fee of each planned exam, ranked in its device's year (locked counter)."""
    out = []
    by_device: dict[tuple[int, int], list[Planned]] = {}
    for p in planned:
        if p.scale is not None and p.device is not None:
            by_device.setdefault((p.device.pk, p.day.year), []).append(p)
    for (device_id, year), items in sorted(by_device.items()):
        counter, _created = lm.DeviceYear.objects.get_or_create(equipment_id=device_id, year=year)
        counter = lm.DeviceYear.objects.select_for_update().get(pk=counter.pk)
        rank = counter.acts
        for p in sorted(items, key=lambda x: (x.day, x.exam.pk)):
            rank += 1
            s = p.scale
            scale = engine.TechnicalFeeScale(
                s.reference,
                s.threshold1,
                s.threshold2,
                s.full,
                s.depreciated_full,
                s.depreciated_tier1,
                s.depreciated_tier2,
                s.depreciated_tier3,
            )
            depreciated = engine.is_depreciated(p.device.installed_on, p.day)
            tier = engine.technical_fee_tier(rank, scale)
            label = _(
                "Forfait technique %(modality)s, %(state)s, tranche %(tier)s (n° %(rank)s)"
            ) % {
                "modality": p.device.get_modality_display(),
                "state": _("amorti") if depreciated else _("non amorti"),
                "tier": tier,
                "rank": rank,
            }
            out.append(
                {
                    "exam": p.exam,
                    "date": p.day,
                    "kind": lm.Entry.Kind.TECHNICAL_FEE,
                    "code": f"FT-{p.device.modality}",
                    "label": label,
                    "amount": engine.technical_fee_rate(rank, scale, depreciated),
                    "member_id": p.device.holder_id,
                    "equipment": p.device,
                }
            )
        counter.acts = rank
        counter.save(update_fields=["acts"])
    return out


def write_exam_entries(
    exams_and_signers,
    *,
    platform_id: int,
    today: dt.date | None = None,
    tariffs: Tariffs | None = None,
) -> tuple[int, int]:
    """Write the entries of these signed exams in the open month of ``today`` (the signature's
    day). An exam with any problem goes to the to-fix list instead (none of its entries is
    written). Returns (entries written, exams to fix)."""
    today = today or timezone.localdate()
    t = tariffs or Tariffs.load(platform_id)
    with transaction.atomic():
        period = period_for(platform_id=platform_id, day=today)
        planned, fixes = [], []
        done = set(
            lm.Entry.objects.filter(
                exam_id__in=[e.pk for e, _s in exams_and_signers],
                kind__in=lm.Entry.PRODUCED,
            ).values_list("exam_id", flat=True)
        )
        for exam, signer in exams_and_signers:
            if exam.pk in done:
                continue  # an amendment, or a retry of an exam already written
            p = plan_exam(exam, signer, t)
            if not period.is_open:
                p.problems.append(
                    problem(
                        gettext_noop(
                            "Le mois %(month)s est clos : l'examen attend un mois ouvert."
                        ),
                        month=str(period),
                    )
                )
            (fixes if p.problems else planned).append(p)
        rows = [line for p in planned for line in p.lines] + _technical_fees(planned)
        lm.Entry.objects.bulk_create([lm.Entry(period=period, **r) for r in rows], batch_size=2000)
        solved = [p.exam.pk for p in planned]
        if solved:
            lm.ToFix.objects.filter(exam_id__in=solved, resolved_at__isnull=True).update(
                resolved_at=timezone.now()
            )
        open_fix = set(
            lm.ToFix.objects.filter(
                exam_id__in=[p.exam.pk for p in fixes], resolved_at__isnull=True
            ).values_list("exam_id", flat=True)
        )
        lm.ToFix.objects.bulk_create(
            [
                lm.ToFix(
                    exam=p.exam,
                    reason=" ".join(p.problems)[:300],
                    problems=[as_record(x) for x in p.problems],
                )
                for p in fixes
                if p.exam.pk not in open_fix
            ]
        )
        for p in fixes:
            if p.exam.pk in open_fix:
                lm.ToFix.objects.filter(exam=p.exam, resolved_at__isnull=True).update(
                    reason=" ".join(p.problems)[:300],
                    problems=[as_record(x) for x in p.problems],
                )
    return len(rows), len(fixes)
