"""Search parameters (``_id``, ``identifier``, date prefixes, ``status``, ``_count``) and the
searchset paging links; each answer a valid Bundle (``check_fhir``)."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from pimm.interop.fhir import systems as sid
from pimm.worklist import services
from tests import clock
from tests.interop.fhir.conftest import check_fhir, ids


def _q(value: str) -> str:
    return value.replace("+", "%2B").replace("|", "%7C")


def test_id_takes_a_comma_separated_list(world, fhir):
    a, b = world.site_a.pk, world.site_b.pk
    _s, bundle = fhir("coordinator", f"/fhir/Location?_id={a},{b},999999")
    assert sorted(ids(bundle)) == sorted([str(a), str(b)])
    assert bundle["total"] == 2


def test_organization_ids_are_prefixed_by_part(world, fhir):
    url = f"/fhir/Organization?_id=member-{world.member_a.pk},platform-{world.platform.pk}"
    _s, bundle = fhir("coordinator", url)
    assert ids(bundle) == [f"platform-{world.platform.pk}", f"member-{world.member_a.pk}"]
    _s, bundle = fhir("coordinator", f"/fhir/Organization?_id={world.member_a.pk}")
    assert bundle["total"] == 0  # a bare number names no organisation


def test_identifier_with_and_without_system(world, fhir):
    finess = world.member_a.finess
    for system in (sid.FINESS, sid.FINESS_OLD):
        _s, bundle = fhir("coordinator", f"/fhir/Organization?identifier={_q(system)}|{finess}")
        assert ids(bundle) == [f"member-{world.member_a.pk}"]
    _s, bundle = fhir("coordinator", f"/fhir/Organization?identifier={finess}")
    assert ids(bundle) == [f"member-{world.member_a.pk}"]
    _s, bundle = fhir("coordinator", f"/fhir/Organization?identifier={_q(sid.SIREN)}|{finess}")
    assert bundle["total"] == 0  # a FINESS is no SIREN
    _s, bundle = fhir("coordinator", f"/fhir/Organization?identifier=%7C{finess}")
    assert bundle["total"] == 0  # "|value": no system; pimm has no identifier without one


def test_practitioner_by_rpps_or_national_id(world, fhir):
    p = world.practitioner_a
    for query in (f"{_q(sid.RPPS)}|{p.rpps}", f"{_q(sid.IDNPS)}|8{p.rpps}", p.rpps, f"8{p.rpps}"):
        _s, bundle = fhir("coordinator", f"/fhir/Practitioner?identifier={query}")
        assert ids(bundle) == [str(p.pk)], query
    _s, bundle = fhir("coordinator", f"/fhir/Practitioner?identifier={_q(sid.IDNPS)}|{p.rpps}")
    assert bundle["total"] == 0  # the national id carries the prefix


def test_clinical_identifiers(world, clinic, fhir):
    placer = _q(sid.placer(world.member_a.code))
    _s, bundle = fhir("coordinator", f"/fhir/ServiceRequest?identifier={placer}|CMD-A-1")
    assert ids(bundle) == [str(clinic.order_a.pk)]
    other = _q(sid.placer(world.member_b.code))
    _s, bundle = fhir("coordinator", f"/fhir/ServiceRequest?identifier={other}|CMD-A-1")
    assert bundle["total"] == 0  # order numbers are unique per member only
    _s, bundle = fhir("coordinator", "/fhir/ServiceRequest?identifier=CMD-A-1,CMD-B-1")
    assert sorted(ids(bundle)) == sorted([str(clinic.order_a.pk), str(clinic.order_b.pk)])
    uid = _q(f"{sid.DICOM_UID}|urn:oid:1.2.250.1.999.77.2")
    _s, bundle = fhir("coordinator", f"/fhir/ImagingStudy?identifier={uid}")
    assert ids(bundle) == [str(clinic.exam_b.pk)]
    _s, bundle = fhir("coordinator", "/fhir/ImagingStudy?identifier=ACC-A-1")
    assert ids(bundle) == [str(clinic.exam_a.pk)]
    _s, bundle = fhir("coordinator", "/fhir/DiagnosticReport?identifier=ACC-A-2")
    assert ids(bundle) == [str(clinic.report.pk)]
    pseudonym = clinic.patient_b.pseudonym
    _s, bundle = fhir("coordinator", f"/fhir/Patient?identifier={_q(sid.PSEUDONYM)}|{pseudonym}")
    assert ids(bundle) == [str(clinic.patient_b.pk)]


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        # order_a: 2 days ago; order_b: 1 day ago; the signed one's: 3 days ago
        ("eq{d2}", {"a"}),
        ("{d2}", {"a"}),
        ("ge{d2}", {"a", "b"}),
        ("gt{d2}", {"b"}),
        ("le{d2}", {"a", "s"}),
        ("lt{d2}", {"s"}),
        ("eq{month}", "month"),
        ("ge{t_a}", {"a", "b"}),
        ("gt{t_a}", {"b"}),
        ("lt{t_a}", {"s"}),
    ],
)
def test_date_prefixes(clinic, fhir, date, expected):
    orders = {"a": clinic.order_a, "b": clinic.order_b, "s": clinic.exam_signed.order}
    d2 = (clock.NOW - dt.timedelta(days=2)).date()
    t_a = clinic.order_a.requested_at.astimezone(clock.PARIS).isoformat(timespec="seconds")
    value = date.format(d2=d2.isoformat(), month=clock.TODAY.strftime("%Y-%m"), t_a=t_a)
    id_list = ",".join(str(o.pk) for o in orders.values())
    _s, bundle = fhir("coordinator", f"/fhir/ServiceRequest?_id={id_list}&date={_q(value)}")
    if expected == "month":  # the orders of this month (the test clock may stand on the 1st)
        expected = {k for k, o in orders.items() if o.requested_at.astimezone(clock.PARIS)
                    .strftime("%Y-%m") == clock.TODAY.strftime("%Y-%m")}  # fmt: skip
    assert sorted(ids(bundle)) == sorted(str(orders[k].pk) for k in expected)


def test_dates_combine_into_a_range(clinic, fhir):
    lo = (clock.NOW - dt.timedelta(days=2)).date().isoformat()
    hi = (clock.NOW - dt.timedelta(days=1)).date().isoformat()
    ids_ = f"{clinic.order_a.pk},{clinic.order_b.pk},{clinic.exam_signed.order_id}"
    _s, bundle = fhir("coordinator", f"/fhir/ServiceRequest?_id={ids_}&date=ge{lo}&date=lt{hi}")
    assert ids(bundle) == [str(clinic.order_a.pk)]
    # the standard name of the same parameter
    _s, same = fhir(
        "coordinator", f"/fhir/ServiceRequest?_id={ids_}&authored=ge{lo}&authored=lt{hi}"
    )
    assert ids(same) == ids(bundle)


def test_slot_start_and_study_dates(clinic, fhir):
    start = clinic.slot.start.astimezone(clock.PARIS)
    minute = _q(start.isoformat(timespec="minutes"))
    _s, bundle = fhir("coordinator", f"/fhir/Slot?_id={clinic.slot.pk}&start={minute}")
    assert ids(bundle) == [str(clinic.slot.pk)]
    _s, bundle = fhir("coordinator", f"/fhir/Slot?_id={clinic.slot.pk}&date=gt{minute}")
    assert bundle["total"] == 0
    day = (clock.NOW - dt.timedelta(hours=3)).date().isoformat()
    _s, bundle = fhir("coordinator", f"/fhir/ImagingStudy?_id={clinic.exam_a.pk}&started={day}")
    assert ids(bundle) == [str(clinic.exam_a.pk)]


def test_status_per_type(clinic, fhir):
    exams = f"{clinic.exam_a.pk},{clinic.exam_b.pk},{clinic.exam_signed.pk}"
    _s, bundle = fhir("coordinator", f"/fhir/ImagingStudy?_id={exams}&status=available")
    assert bundle["total"] == 3
    services.exam_transition(exam=clinic.exam_b, to=services.S.CANCELLED)
    _s, bundle = fhir("coordinator", f"/fhir/ImagingStudy?_id={exams}&status=cancelled")
    assert ids(bundle) == [str(clinic.exam_b.pk)]
    orders = f"{clinic.order_a.pk},{clinic.order_b.pk},{clinic.exam_signed.order_id}"
    for status, expected in (
        ("active", [clinic.order_a]),
        ("completed", [clinic.exam_signed.order]),
        ("revoked", [clinic.order_b]),
        ("active,revoked", [clinic.order_a, clinic.order_b]),
    ):
        _s, bundle = fhir("coordinator", f"/fhir/ServiceRequest?_id={orders}&status={status}")
        assert sorted(ids(bundle)) == sorted(str(o.pk) for o in expected), status
    _s, bundle = fhir("coordinator", f"/fhir/DiagnosticReport?_id={clinic.report.pk}&status=final")
    assert bundle["total"] == 1
    _s, bundle = fhir("coordinator", f"/fhir/Slot?_id={clinic.slot.pk}&status=busy")
    assert bundle["total"] == 0


def _query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_paging_walks_every_row_once(fhir):
    _s, first = fhir("coordinator", "/fhir/Practitioner?_count=7")
    total = first["total"]
    assert total > 14
    seen, page, pages = [], first, 0
    while True:
        pages += 1
        seen += ids(page)
        links = {link["relation"]: link["url"] for link in page["link"]}
        if pages > 1:
            assert "previous" in links
        if "next" not in links:
            break
        query = _query(links["next"])
        assert query["_count"] == "7"
        _s, page = fhir("coordinator", "/fhir/Practitioner?" + urlsplit(links["next"]).query)
    assert len(seen) == len(set(seen)) == total
    assert pages == -(-total // 7)
    _s, second = fhir("coordinator", "/fhir/Practitioner?_count=7&_offset=7")
    previous = next(link["url"] for link in second["link"] if link["relation"] == "previous")
    assert _query(previous)["_offset"] == "0"
    this = next(link["url"] for link in second["link"] if link["relation"] == "self")
    assert _query(this) == {"_count": "7", "_offset": "7"}


def test_paging_across_the_parts_of_organization(world, fhir):
    _s, everything = fhir("coordinator", "/fhir/Organization?_count=100")
    walked = []
    for offset in range(0, everything["total"], 2):
        _s, page = fhir("coordinator", f"/fhir/Organization?_count=2&_offset={offset}")
        walked += ids(page)
    assert walked == ids(everything)
    assert walked[0] == f"platform-{world.platform.pk}"


def test_count_zero_gives_the_total_only_and_large_counts_are_capped(fhir):
    _s, bundle = fhir("coordinator", "/fhir/Slot?_count=0")
    assert bundle["total"] > 100
    assert "entry" not in bundle
    _s, bundle = fhir("coordinator", "/fhir/Slot?_count=5000")
    assert len(ids(bundle)) == 100
    links = {link["relation"]: link["url"] for link in bundle["link"]}
    assert _query(links["next"])["_offset"] == "100"


def test_search_links_keep_the_filters(clinic, fhir):
    _s, bundle = fhir("coordinator", "/fhir/ImagingStudy?status=available&_count=1")
    links = {link["relation"]: link["url"] for link in bundle["link"]}
    assert _query(links["next"])["status"] == "available"
    assert links["self"].startswith("http://testserver/fhir/ImagingStudy?")


def test_post_search_takes_a_form(clinic, client_for):
    response = client_for("coordinator").post(
        "/fhir/ImagingStudy/_search?_count=5",
        "identifier=ACC-B-1",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert ids(check_fhir(response)) == [str(clinic.exam_b.pk)]
