"""Each indicator against a small world built by hand (with its expected figure worked out in
the comments), and each with missing data, which must say "missing" and why, never zero."""

import datetime as dt

import pytest

from pimm.evaluation import models as ev
from pimm.evaluation import selectors, services
from pimm.evaluation.indicators import REGISTRY, Missing, base, territory
from pimm.oncall import models as om
from pimm.planning import models as pm
from pimm.registry import models as m
from pimm.worklist import models as w
from tests.evaluation.conftest import WINDOW_END, WINDOW_START, at, ctx, labelled, totals, upload

pytestmark = pytest.mark.django_db
DAY = WINDOW_START + dt.timedelta(days=7)
MONTH = f"{WINDOW_START:%Y-%m}"


def test_every_indicator_has_a_french_definition_and_a_known_criterion():
    codes = {c for c, _t in selectors.CRITERIA}
    assert len(REGISTRY) == 16
    for ind in REGISTRY.values():
        assert ind.name and ind.formula and ind.source and ind.unit and ind.limits
        assert ind.criterion in codes, ind.code


def test_gini_of_equal_loads_is_zero_and_of_nothing_is_missing():
    assert base.gini([2.0, 2.0, 2.0]) == 0.0
    assert base.gini([1.0, 4.0]) == 0.3  # (2·(1·1 + 2·4)) / (2·5) − 3/2
    assert base.gini([0.0, 0.0]) is None


def test_distance_is_the_great_circle():
    # Vienne → Villefranche-sur-Saône: about 52 km as the crow flies
    assert 50 < territory.km(45.5255, 4.8743, 45.9898, 4.7197) < 54
    assert territory.access_minutes(10.0) == pytest.approx(13.0)  # 10 km × 1.3 at 60 km/h


def test_coverage_and_devices_per_100k_on_three_communes(other_platform, monkeypatch):
    p, public, _private, site_pub, _site_pri = other_platform
    # a commune on the site (1,000), one 10 km east (3,000: 13 min), one 50 km east (6,000: 65 min)
    lat, lon = site_pub.latitude, site_pub.longitude
    deg = 1 / (111.195 * 0.7071)  # one km of longitude at 45° N
    towns = (
        territory.Commune("A", "38", lat, lon, 1000),
        territory.Commune("B", "38", lat, lon + 10 * deg, 3000),
        territory.Commune("C", "38", lat, lon + 50 * deg, 6000),
    )
    monkeypatch.setattr(territory, "communes", lambda: towns)
    m.Equipment.objects.create(
        site=site_pub,
        holder=public,
        code="T-CT1",
        name="Scanner",
        modality="CT",
        installed_on=WINDOW_START - dt.timedelta(days=400),
    )
    cov = REGISTRY["coverage"].compute(ctx(p))
    assert labelled(cov, "modality") == {"Scanner (TDM)": 40.0}  # (1,000 + 3,000) / 10,000
    dev = REGISTRY["devices_per_100k"].compute(ctx(p))
    assert totals(dev) == [10.0]  # 1 device × 100,000 / 10,000
    # a device installed after the period does not count
    m.Equipment.objects.create(
        site=site_pub,
        holder=public,
        code="T-MR1",
        name="IRM",
        modality="MRI",
        installed_on=WINDOW_END + dt.timedelta(days=30),
    )
    assert totals(REGISTRY["devices_per_100k"].compute(ctx(p))) == [10.0]


def test_territory_without_devices_is_missing(other_platform):
    p = other_platform[0]
    for code in ("coverage", "devices_per_100k"):
        result = REGISTRY[code].compute(ctx(p))
        assert isinstance(result, Missing) and "équipement" in result.reason


def _slot(
    plan,
    equipment,
    day,
    hour,
    minute,
    purpose="general",
    booked=None,
    pdses=False,
    status=pm.Slot.Status.OPEN,
):
    start = at(day, hour, minute)
    return pm.Slot.objects.create(
        plan=plan,
        equipment=equipment,
        start=start,
        end=start + dt.timedelta(minutes=30),
        purpose=purpose,
        pdses=pdses,
        booking=booked,
        status=status,
    )


@pytest.fixture
def slots_world(world):
    plan = pm.VacationPlan.objects.create(
        platform=world.platform,
        name="Plan d'essai",
        start=WINDOW_START,
        end=WINDOW_END,
        status=pm.VacationPlan.Status.PUBLISHED,
    )
    booking = pm.Booking.objects.order_by("pk").first()
    e = world.equipment_a
    _slot(plan, e, DAY, 8, 0, "emergency", booking)
    _slot(plan, e, DAY, 8, 30, "emergency")
    _slot(plan, e, DAY, 20, 0, "emergency", booking, pdses=True)
    _slot(plan, e, DAY, 20, 30, "emergency", pdses=True)
    _slot(plan, e, DAY, 9, 0, "paediatric", booking)
    _slot(plan, e, DAY, 9, 30, "paediatric")
    for minute in (0, 30):
        _slot(plan, e, DAY, 10, minute, "general", booking if minute == 0 else None)
        _slot(plan, e, DAY, 11, minute, "general")
    _slot(plan, e, DAY, 12, 0, "general", status=pm.Slot.Status.CLOSED)  # never offered
    return plan


def test_emergency_and_pdses_slots(world, slots_world):
    result = REGISTRY["emergency_slots"].compute(ctx(world.platform))
    assert totals(result) == [4]
    assert labelled(result, "series") == {
        "offertes": 4,
        "utilisées": 2,
        "offertes en PDSES": 2,
        "utilisées en PDSES": 1,
    }


def test_specialised_slots_and_utilisation(world, slots_world):
    spec = REGISTRY["specialised_slots"].compute(ctx(world.platform))
    assert totals(spec) == [2]
    series = labelled(spec, "series")
    assert series["pédiatrie — offertes"] == 2 and series["pédiatrie — utilisées"] == 1
    assert series["handicap — offertes"] == 0
    util = REGISTRY["utilisation"].compute(ctx(world.platform))
    # booked: 2 emergency + 1 paediatric + 1 general = 4 of 10 open slots of 30 min
    assert totals(util) == [40.0]
    assert labelled(util, "site") == {world.equipment_a.site.name: 40.0}


def test_slots_without_a_published_plan_are_missing(world):
    later = ctx(world.platform, start=WINDOW_END, end=WINDOW_END + dt.timedelta(days=28))
    for code in ("emergency_slots", "specialised_slots", "utilisation"):
        result = REGISTRY[code].compute(later)
        assert isinstance(result, Missing) and "plan" in result.reason


def test_third_next_is_a_snapshot_of_the_current_period_only(world):
    result = REGISTRY["third_next"].compute(ctx(world.platform))
    assert isinstance(result, Missing) and "période en cours" in result.reason


@pytest.fixture
def duty_world(other_platform, make_practitioner):
    p, public, private, site_pub, site_pri = other_platform
    p1, p2 = make_practitioner(public), make_practitioner(private)
    pooled = om.OnCallLine.objects.create(
        platform=p, code="T-L1", name="Ligne commune", categories=["weeknight"]
    )
    pooled.sites.set([site_pub, site_pri])
    alone = om.OnCallLine.objects.create(
        platform=p, code="T-L2", name="Ligne publique", categories=["weeknight"]
    )
    alone.sites.set([site_pub])
    rota = om.Rota.objects.create(
        platform=p, start=WINDOW_START, end=WINDOW_END, status=om.Rota.Status.PUBLISHED
    )
    plan = [(pooled, p1), (pooled, p1), (pooled, p1), (pooled, p2), (alone, p1), (alone, None)]
    for i, (line, who) in enumerate(plan):
        day = WINDOW_START + dt.timedelta(days=i)
        shift = om.RotaShift.objects.create(
            rota=rota,
            line=line,
            key=f"k{i}",
            date=day,
            category="weeknight",
            starts_at=at(day, 20),
            ends_at=at(day + dt.timedelta(days=1), 8),
        )
        if who is not None:
            om.RotaAssignment.objects.create(shift=shift, practitioner=who)
    return p


def test_pooled_lines(duty_world):
    result = REGISTRY["pooled_lines"].compute(ctx(duty_world))
    assert totals(result) == [1]  # T-L1 covers both members' sites; T-L2 one member's
    assert labelled(result, "series")["part des lignes mutualisées (%)"] == 50.0
    assert labelled(result, "line") == {"T-L1": 2}


def test_fill_rate(duty_world):
    result = REGISTRY["fill_rate"].compute(ctx(duty_world))
    assert totals(result) == [83.3]  # 5 of 6 shifts held
    assert labelled(result, "line") == {"T-L1": 100.0, "T-L2": 50.0}


def test_load_spread_by_practitioner_and_member_public_private(duty_world):
    result = REGISTRY["load_spread"].compute(ctx(duty_world))
    assert totals(result) == [0.3]  # 4 and 1 weeknights for one FTE each: Gini 0.3
    series = labelled(result, "series")
    assert series["entre membres"] == 0.3
    assert series["part publique des points (%)"] == 80.0
    assert series["part publique du temps de travail (%)"] == 50.0


def test_duties_without_a_published_rota_are_missing(other_platform):
    p = other_platform[0]
    for code in ("fill_rate", "load_spread"):
        result = REGISTRY[code].compute(ctx(p))
        assert isinstance(result, Missing) and "tableau" in result.reason
    lines = REGISTRY["pooled_lines"].compute(ctx(p))
    assert isinstance(lines, Missing)


@pytest.fixture
def exams_world(world):
    classes = {pc.code: pc for pc in w.PriorityClass.objects.filter(platform=world.platform)}
    patient = w.Patient.objects.create(
        pseudonym="T-EVAL-1",
        family_name="Essai",
        given_name="Test",
        birth_date=dt.date(1970, 1, 1),
        nir="170017500000100",
    )
    reader_b = world.practitioner_b
    reader_a = world.practitioner_a

    def exam(priority, minutes, reader):
        ready = at(DAY, 10)
        order = w.Order.objects.create(
            patient=patient,
            member=world.member_a,
            site=world.site_a,
            priority=classes[priority],
            requested_at=ready,
        )
        return w.Exam.objects.create(
            order=order,
            patient=patient,
            member=world.member_a,
            site=world.site_a,
            priority=classes[priority],
            modality="CT",
            status=w.Exam.Status.SIGNED,
            ready_at=ready,
            signed_at=ready + dt.timedelta(minutes=minutes),
            reader=reader,
        )

    exam("emergency", 30, reader_a)  # within its 60 min target
    exam("emergency", 90, reader_b)  # late, and read by the other member: tele-imaging
    exam("outpatient", 100, reader_a)  # within 72 h
    return world


def test_turnaround_per_priority_class(exams_world):
    result = REGISTRY["turnaround"].compute(ctx(exams_world.platform))
    assert totals(result) == [66.7]  # 2 of 3 within their class's target
    by = labelled(result, "class")
    assert by["Urgence — délai moyen (min)"] == 60.0
    assert by["Urgence — dans la cible (%)"] == 50.0
    assert by["Externe — dans la cible (%)"] == 100.0


def test_teleimaging_between_members(exams_world):
    result = REGISTRY["teleimaging"].compute(ctx(exams_world.platform))
    assert totals(result) == [1]
    pair = f"{exams_world.member_a.code} → {exams_world.member_b.code}"
    assert labelled(result, "pair") == {pair: 1}
    # the reading member's own exams: none read elsewhere
    own = REGISTRY["teleimaging"].compute(
        ctx(exams_world.platform, member_id=exams_world.member_b.pk)
    )
    assert isinstance(own, Missing)


def test_reading_without_signed_exams_is_missing(world):
    later = ctx(world.platform, start=WINDOW_END, end=WINDOW_END + dt.timedelta(days=28))
    result = REGISTRY["turnaround"].compute(later)
    assert isinstance(result, Missing) and "signé" in result.reason


def test_rcp_attendance_and_training_hours_come_from_evidence(world):
    coord = world.users["coordinator"]
    rcp = ev.Commitment.objects.create(
        platform=world.platform,
        topic=ev.Topic.RCP,
        title="RCP",
        target="≥ 4 par mois",
        period_start=WINDOW_START,
        period_end=WINDOW_END,
    )
    training = ev.Commitment.objects.create(
        platform=world.platform,
        topic=ev.Topic.TRAINING,
        title="Formation",
        target="20 h",
        period_start=WINDOW_START,
        period_end=WINDOW_END,
    )
    assert isinstance(REGISTRY["rcp_attendance"].compute(ctx(world.platform)), Missing)
    services.evidence_add(
        actor=coord, commitment=rcp, date=DAY, count=3, description="RCP sein", attachment=upload()
    )
    services.evidence_add(
        actor=coord,
        commitment=rcp,
        date=DAY,
        count=2,
        description="RCP digestif",
        attachment=upload(),
    )
    services.evidence_add(
        actor=coord,
        commitment=training,
        date=DAY,
        count=1,
        hours=6,
        description="Formation radioprotection",
        attachment=upload(),
    )
    assert REGISTRY["rcp_attendance"].compute(ctx(world.platform)) == [base.Row(MONTH, 5.0)]
    assert REGISTRY["training_hours"].compute(ctx(world.platform)) == [base.Row(MONTH, 6.0)]


@pytest.mark.parametrize(
    ("code", "word"),
    [
        ("doses_above_nrd", "interopérabilité"),
        ("appropriateness", "pertinence"),
        ("financial_balance", "comptable"),
    ],
)
def test_indicators_whose_data_has_not_landed_say_why(world, code, word):
    result = REGISTRY[code].compute(ctx(world.platform))
    assert isinstance(result, Missing) and word in result.reason
    assert REGISTRY[code].headline(result) is None  # missing is never shown as zero
