"""Two routers claiming the same exam at once: exactly one assignment.

PostgreSQL: a real race on two connections released together by a barrier (row locks). SQLite's
in-memory test database cannot hold two writers at once, so there the two claims run one after
the other on the main connection (same code path: the loser sees the version moved)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from pimm.registry import models as m
from pimm.worklist import models as w
from pimm.worklist import services


@pytest.mark.django_db(transaction=True)
def test_concurrent_assignment_one_wins():
    platform = m.Platform.objects.create(
        name="P", legal_form="gcs_moyens", siren="732829320", authorized_on=dt.date(2025, 1, 1)
    )
    member = m.Member.objects.create(
        platform=platform, code="M", name="M", kind="public_hospital", siren="732829320"
    )
    site = m.Site.objects.create(
        member=member,
        code="S",
        name="S",
        town="Lyon",
        departement="69",
        latitude=45.7,
        longitude=4.8,
    )
    readers = [
        m.Practitioner.objects.create(
            member=member, rpps=f"1000000000{i}", first_name="A", last_name=str(i), status="public"
        )
        for i in range(2)
    ]
    pc = services.priority_classes_ensure(platform=platform)[0]
    patient = services.patient_get_or_create(
        family_name="X", given_name="Y", birth_date=dt.date(1980, 1, 1), nir="1"
    )
    order = services.order_create(patient=patient, site=site, priority=pc)
    exam = services.exam_create(order=order, modality="CT", performed_at=order.requested_at)
    version = w.Exam.objects.get(pk=exam.pk).routing_version
    racing = connection.vendor == "postgresql"
    barrier = threading.Barrier(2)
    results = []

    def claim(reader):
        try:
            if racing:
                barrier.wait(timeout=10)
            results.append(
                services.exam_assign(
                    exam_id=exam.pk,
                    reader_id=reader.pk,
                    expected_version=version,
                    at=order.requested_at,
                )
            )
        finally:
            if racing:
                connections.close_all()

    if racing:
        threads = [threading.Thread(target=claim, args=(r,)) for r in readers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    else:
        for r in readers:
            claim(r)
    assert sorted(results) == [False, True]
    assert w.Assignment.objects.filter(exam=exam).count() == 1
