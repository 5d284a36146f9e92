"""Extra fees, sharing by the convention's keys, month close, reversal, pay, imports, FEC."""

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from pimm.ledger import exports, imports, selectors, services
from pimm.ledger import models as lm
from pimm.registry import models as m

B, K = lm.CostLine.Basis, lm.CostLine.Kind


def _line(world, period, amount="1000.00", basis=B.FIXED, kind=K.COST, **kw):
    return services.cost_line_create(
        actor=world.users["coordinator"],
        period=period,
        kind=kind,
        category="it",
        label="Serveur",
        amount=Decimal(amount),
        basis=basis,
        **kw,
    )


# ---- the extra-fee rule (R27) ------------------------------------------------------------------


def _policy(world, sector="2", agreed=True):
    services.fee_policy_set(
        actor=world.users["coordinator"],
        practitioner=world.practitioner_a,
        sector=sector,
        extra_fees_agreed=agreed,
        max_extra_fee=Decimal("50.00"),
    )


@pytest.mark.parametrize(
    ("priority", "css", "sector", "agreed", "why"),
    [
        ("emergency", False, "2", True, "au titre de l'urgence"),
        ("life_threatening", False, "2", True, "au titre de l'urgence"),
        ("outpatient", True, "2", True, "complémentaire santé solidaire"),
        ("outpatient", False, "1", False, "n'en prévoit pas"),
    ],
)
def test_extra_fees_are_refused_and_every_attempt_recorded(
    world, sign, priority, css, sector, agreed, why
):
    _policy(world, sector, agreed)
    exam = sign(priority=priority, css=css)
    before = lm.Entry.objects.filter(kind=lm.Entry.Kind.EXTRA_FEE).count()
    attempt = services.extra_fee_request(
        actor=world.users["coordinator"],
        exam=exam,
        practitioner=world.practitioner_a,
        amount=Decimal("20.00"),
    )
    assert not attempt.accepted and why in attempt.reason
    assert lm.ExtraFeeAttempt.objects.filter(pk=attempt.pk, accepted=False).exists()
    assert lm.Entry.objects.filter(kind=lm.Entry.Kind.EXTRA_FEE).count() == before


def test_an_allowed_extra_fee_is_an_entry_and_the_ceiling_holds(world, sign):
    _policy(world)
    exam = sign()
    ok = services.extra_fee_request(
        actor=world.users["coordinator"],
        exam=exam,
        practitioner=world.practitioner_a,
        amount=Decimal("20.00"),
    )
    assert ok.accepted
    assert lm.Entry.objects.get(exam=exam, kind=lm.Entry.Kind.EXTRA_FEE).amount == Decimal("20")
    high = services.extra_fee_request(
        actor=world.users["coordinator"],
        exam=exam,
        practitioner=world.practitioner_a,
        amount=Decimal("80.00"),
    )
    assert not high.accepted and "plafond" in high.reason
    with pytest.raises(ValidationError):
        services.extra_fee_request(
            actor=world.users["coordinator"],
            exam=exam,
            practitioner=world.practitioner_a,
            amount=Decimal("-1"),
        )


# ---- sharing by keys -------------------------------------------------------------------------


def test_a_fixed_key_shares_to_the_cent_with_its_sources(world, period):
    line = _line(world, period, "1000.01")
    entries = services.cost_line_allocate(actor=world.users["coordinator"], line=line)
    assert sum(e.amount for e in entries) == Decimal("1000.01")
    assert all(e.amount >= 0 and e.cost_line_id == line.pk for e in entries)
    assert {e.convention_id for e in entries} == {world.convention.pk}
    keys = {k.member_id: k.cost_share for k in world.convention.sharing_keys.all()}
    for e in entries:
        assert abs(e.amount - Decimal("1000.01") * keys[e.member_id] / 100) < Decimal("0.01")
    with pytest.raises(ValidationError, match="déjà répartie"):
        services.cost_line_allocate(actor=world.users["coordinator"], line=line)


def test_an_activity_key_follows_the_acts(world, period, sign):
    sign()
    line = _line(world, period, "300.00", basis=B.ACTIVITY)
    entries = services.cost_line_allocate(actor=world.users["coordinator"], line=line)
    acts = set(
        lm.Entry.objects.filter(period=period, kind=lm.Entry.Kind.ACT).values_list(
            "member_id", flat=True
        )
    )
    assert {e.member_id for e in entries} <= acts
    assert sum(e.amount for e in entries) == Decimal("300.00")


def test_a_key_at_99_99_percent_or_missing_a_member_is_refused(world, period):
    key = world.convention.sharing_keys.order_by("pk").first()
    m.SharingKey.objects.filter(pk=key.pk).update(cost_share=key.cost_share - Decimal("0.01"))
    line = _line(world, period)
    with pytest.raises(ValidationError, match="99.99 %"):
        services.cost_line_allocate(actor=world.users["coordinator"], line=line)
    m.SharingKey.objects.filter(pk=key.pk).delete()
    with pytest.raises(ValidationError, match="ne couvre pas"):
        services.cost_line_allocate(actor=world.users["coordinator"], line=line)
    assert not lm.Entry.objects.filter(cost_line=line).exists()
    line.refresh_from_db()
    assert not line.allocated


def test_a_mix_must_weigh_100_percent(world, period):
    with pytest.raises(ValidationError, match="100 %"):
        _line(world, period, basis=B.MIX, mix_fixed=Decimal(60), mix_activity=Decimal(30))


# ---- close and reversal ----------------------------------------------------------------------


def test_close_freezes_and_a_correction_is_a_reversal_in_an_open_month(world, period, closed):
    coord = world.users["coordinator"]
    with pytest.raises(ValidationError, match="clos"):
        _line(world, closed)
    with pytest.raises(ValidationError, match="clos"):
        services.period_close(actor=coord, period=closed)
    entry = lm.Entry.objects.filter(period=closed, kind=lm.Entry.Kind.ACT).first()
    with pytest.raises(ValidationError, match="clos"):
        services.entry_reverse(actor=coord, entry=entry, into=closed)
    rev = services.entry_reverse(actor=coord, entry=entry, into=period, reason="erreur de code")
    assert rev.amount == -entry.amount and rev.period == period and rev.reverses == entry
    assert rev.exam_id == entry.exam_id
    with pytest.raises(ValidationError, match="déjà"):
        services.entry_reverse(actor=coord, entry=entry, into=period)
    # the closed month's totals did not move
    assert lm.Entry.objects.filter(period=closed, pk=entry.pk, amount=entry.amount).exists()


def test_close_waits_for_every_line_to_be_shared(world, period):
    _line(world, period)
    with pytest.raises(ValidationError, match="pas encore réparties"):
        services.period_close(actor=world.users["coordinator"], period=period)
    services.allocate_all(actor=world.users["coordinator"], period=period)
    assert services.period_close(actor=world.users["coordinator"], period=period).status == "closed"


# ---- pay -------------------------------------------------------------------------------------


def test_pay_by_points_pays_the_whole_pool(world, period, sign):
    sign()
    sign(
        reader=world.practitioner_b,
        equipment=world.equipment_b,
        kind="MRI/neuro" if world.equipment_b.modality == "MRI" else "CT/neuro",
    )
    pool = services.pay_compute(
        actor=world.users["coordinator"],
        period=period,
        amount=Decimal("1000.00"),
        duty_weight=Decimal("2"),
    )
    lines = list(pool.lines.all())
    assert sum(x.amount for x in lines) == Decimal("1000.00")
    assert all(x.amount >= 0 for x in lines)
    mine = next(x for x in lines if x.practitioner_id == world.practitioner_a.pk)
    assert mine.acts >= 1 and mine.activity_points >= 1


# ---- imports ---------------------------------------------------------------------------------


HEAD = "kind,code,label,modality,amount,valid_from,valid_to,source\n"


def test_an_import_with_bad_rows_names_them_and_writes_nothing(world):
    content = (
        HEAD
        + "act,TEST001,Un acte,CT,12.50,2030-01-01,,essai\n"
        + "act,TEST002,,CT,12.50,2030-01-01,,essai\n"
        + "act,TEST003,Un autre,CT,douze,2030-01-01,,essai\n"
        + "nope,TEST004,Un autre,CT,1.00,2030-01-01,,essai\n"
        + "act,TEST005,Encore,CT,1.00,2030-02-01,2030-01-01,essai\n"
    ).encode()
    result = imports.import_tariffs(actor=world.users["coordinator"], name="t.csv", content=content)
    assert not result.ok
    assert [(e.line, e.column) for e in result.errors] == [
        (3, "label"),
        (4, "amount"),
        (5, "kind"),
        (6, "valid_to"),
    ]
    assert not lm.Tariff.objects.filter(code__startswith="TEST").exists()


def test_a_good_xlsx_import_creates_the_versions(world, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEAD.strip().split(","))
    ws.append(["act", "TEST010", "Un acte", "CT", "12.50", "2030-01-01", "", "essai"])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    result = imports.import_tariffs(
        actor=world.users["coordinator"], name="t.xlsx", content=path.read_bytes()
    )
    assert result.ok and result.created == 1
    assert lm.Tariff.objects.get(code="TEST010").amount == Decimal("12.50")
    again = imports.import_tariffs(
        actor=world.users["coordinator"], name="t.xlsx", content=path.read_bytes()
    )
    assert not again.ok and "existe déjà" in again.errors[0].message


# ---- statements and FEC ----------------------------------------------------------------------


def test_statements_balance_with_the_platform_totals_and_fec_is_balanced(world, closed):
    sts = selectors.statements(period=closed)
    totals = selectors.platform_totals(period=closed)
    for field in ("produced", "owes", "owed", "balance"):
        assert sum(getattr(s, field) for s in sts) == getattr(totals, field)
    entries = list(lm.Entry.objects.filter(period=closed).select_related("member", "period"))
    text = exports.fec(entries)
    lines = text.split("\r\n")
    assert lines[0].split("\t") == exports.FEC_COLUMNS
    rows = [x.split("\t") for x in lines[1:] if x]
    assert len(rows) == 2 * len(entries)
    by_num = {}
    for r in rows:
        assert len(r) == 18
        dt.datetime.strptime(r[3], "%Y%m%d")
        assert "." not in r[11] and "," in r[11]
        debit, credit = (Decimal(v.replace(",", ".")) for v in (r[11], r[12]))
        by_num.setdefault(r[2], [Decimal(0), Decimal(0)])
        by_num[r[2]][0] += debit
        by_num[r[2]][1] += credit
    assert all(d == c for d, c in by_num.values())
    csv_text = exports.statement_csv(
        sts[0],
        selectors.entries_for(
            world.users["coordinator"], period=closed, member_id=sts[0].member_id
        ),
    )
    assert f"solde;{exports.amount(sts[0].balance)}" in csv_text
