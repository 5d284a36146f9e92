"""Two routers claiming the same exam at once on PostgreSQL: exactly one assignment."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from pimm.registry import models as m
from pimm.worklist import models as w
from pimm.worklist import services


@pytest.mark.django_db(transaction=True)
def test_concurrent_assignment_one_wins():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite covers the conditional UPDATE sequentially")
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
    barrier = threading.Barrier(2)
    results = []

    def claim(reader):
        try:
            barrier.wait()
            results.append(
                services.exam_assign(
                    exam_id=exam.pk,
                    reader_id=reader.pk,
                    expected_version=version,
                    at=order.requested_at,
                )
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(r,)) for r in readers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    assert w.Assignment.objects.filter(exam=exam).count() == 1
