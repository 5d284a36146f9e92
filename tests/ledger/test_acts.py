"""Entries from signed exams: act, technical fee (degressive, depreciated), supplements, the
to-fix list when a tariff is missing (the signature still succeeds)."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from pimm.engine import ledger as engine
from pimm.ledger import models as lm
from pimm.ledger import selectors, services
from pimm.worklist import models as w
from pimm.worklist import selectors as worklist
from tests import clock


def _entries(exam):
    return {e.kind: e for e in lm.Entry.objects.filter(exam=exam)}, list(
        lm.Entry.objects.filter(exam=exam)
    )


def test_a_signed_ct_writes_act_technical_fee_and_archiving(world, sign):
    before = lm.DeviceYear.objects.filter(equipment=world.equipment_a, year=clock.TODAY.year)
    rank = (before.first().acts if before.exists() else 0) + 1
    exam = sign()
    exam.refresh_from_db()
    assert exam.status == w.Exam.Status.SIGNED
    rows = list(lm.Entry.objects.filter(exam=exam).order_by("kind"))
    by = {(e.kind, e.code): e for e in rows}
    act = by[(lm.Entry.Kind.ACT, "ZBQK001")]
    assert act.amount == Decimal("25.27")
    assert act.member_id == world.practitioner_a.member_id
    assert act.practitioner_id == world.practitioner_a.pk
    ft = next(e for e in rows if e.kind == lm.Entry.Kind.TECHNICAL_FEE)
    scale = lm.TechnicalFeeScale.objects.get(modality="CT")
    expected = engine.technical_fee_rate(
        rank,
        engine.TechnicalFeeScale(
            scale.reference,
            scale.threshold1,
            scale.threshold2,
            scale.full,
            scale.depreciated_full,
            scale.depreciated_tier1,
            scale.depreciated_tier2,
            scale.depreciated_tier3,
        ),
        engine.is_depreciated(world.equipment_a.installed_on, clock.TODAY),
    )
    assert ft.amount == expected
    assert ft.member_id == world.equipment_a.holder_id  # paid to the device's operator
    assert ft.equipment_id == world.equipment_a.pk
    assert by[(lm.Entry.Kind.SUPPLEMENT, "YYYY600")].amount == Decimal("1.50")
    assert (
        lm.DeviceYear.objects.get(equipment=world.equipment_a, year=clock.TODAY.year).acts == rank
    )
    assert all(e.period.month == clock.month_start(0) for e in rows)


def test_an_emergency_at_night_gets_the_night_modifier(world, sign):
    exam = sign(priority="emergency", kind="CT/neuro", when=clock.at(clock.TODAY, 0, 30))
    codes = set(lm.Entry.objects.filter(exam=exam).values_list("code", flat=True))
    assert {"ACQK001", "U", "YYYY600"} <= codes
    assert "F" not in codes


def test_a_missing_tariff_sends_the_exam_to_fix_and_the_signature_stands(world, sign):
    lm.Tariff.objects.filter(code="ZBQK001").update(valid_to=clock.TODAY - dt.timedelta(days=400))
    exam = sign()
    exam.refresh_from_db()
    assert exam.status == w.Exam.Status.SIGNED
    assert not lm.Entry.objects.filter(exam=exam).exists()  # never a zero, nothing half-written
    fix = lm.ToFix.objects.get(exam=exam, resolved_at__isnull=True)
    assert "Aucun tarif de l'acte ZBQK001" in fix.reason
    assert any(
        a["count"] >= 1 for a in selectors.attention(world.users["coordinator"], clock.TODAY)
    )
    assert selectors.attention(world.users["manager_a"], clock.TODAY) == []
    # the coordinator adds the new version of the tariff and retries: the entries are written
    lm.Tariff.objects.create(
        code="ZBQK001",
        label="Scanographie du thorax",
        kind="act",
        amount=Decimal("24.00"),
        valid_from=clock.TODAY - dt.timedelta(days=399),
    )
    pairs = worklist.signed_exams_with_signers(exam_ids=[exam.pk])
    written, left = services.write_exam_entries(pairs, platform_id=world.platform.pk)
    assert written == 3 and left == 0
    assert lm.Entry.objects.get(exam=exam, kind=lm.Entry.Kind.ACT).amount == Decimal("24.00")
    fix.refresh_from_db()
    assert fix.resolved_at is not None
    # a second retry writes nothing more
    assert services.write_exam_entries(pairs, platform_id=world.platform.pk) == (0, 0)


def test_an_unmapped_exam_type_is_to_fix(world, sign, client_for):
    exam = sign(kind="CT/interventional")
    fix = lm.ToFix.objects.get(exam=exam)
    assert "Aucun acte CCAM" in fix.reason
    assert [p["msgid"] for p in fix.problems] == [
        "Aucun acte CCAM n'est associé au type d'examen « %(type)s »."
    ]
    # the to-fix page reads each problem in the reader's language, with the exam type's name
    url = reverse("ledger:to_fix")
    french = client_for("coordinator").get(url).content.decode()
    english = client_for("coordinator").get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Aucun acte CCAM n&#x27;est associé" in french and "CT/interventional" not in french
    assert "No CCAM act is mapped to exam type" in english and "Aucun acte" not in english


def test_degressivity_counts_per_device_and_year(world, sign):
    scale = lm.TechnicalFeeScale.objects.get(modality="CT")
    counter, _ = lm.DeviceYear.objects.get_or_create(
        equipment=world.equipment_a, year=clock.TODAY.year
    )
    counter.acts = scale.threshold2  # the next act is above threshold 2
    counter.save()
    exam = sign()
    ft = lm.Entry.objects.get(exam=exam, kind=lm.Entry.Kind.TECHNICAL_FEE)
    depreciated = engine.is_depreciated(world.equipment_a.installed_on, clock.TODAY)
    tier3 = scale.depreciated_tier3 + (0 if depreciated else scale.full - scale.depreciated_full)
    assert ft.amount == tier3
    assert "tranche 3" in ft.label
