"""The worklist tells the rooms above it that a report was signed or amended, inside the
signature's transaction (interop queues its ORU, the ledger writes the acts)."""

import pytest
from django.db import transaction

from pimm.worklist import hooks, services
from tests.worklist.conftest import T0, minutes, reload


def test_sign_and_amend_send_report_signed_and_a_failed_receiver_undoes_the_signature(
    world, make_reader, make_exam
):
    reader = make_reader(world.member_a, [world.site_a], present_from=T0 - minutes(60))
    exam = make_exam(world.site_a, "inpatient")
    services.exam_route(exam_id=exam.pk, now=T0)
    services.exam_open(exam=reload(exam), reader=reader, at=T0 + minutes(1))
    services.report_save(exam=reload(exam), reader=reader, text="RAS")
    heard = []

    def receiver(sender, *, exam, report, amended, actor, **kwargs):
        heard.append(
            (exam.pk, report.status, amended, transaction.get_connection().in_atomic_block)
        )

    hooks.report_signed.connect(receiver)
    try:
        services.report_sign(exam=reload(exam), reader=reader, at=T0 + minutes(5))
        services.report_amend(exam=reload(exam), reader=reader, text="RAS, avenant")
    finally:
        hooks.report_signed.disconnect(receiver)
    assert heard == [(exam.pk, "signed", False, True), (exam.pk, "amended", True, True)]


def test_a_receiver_that_fails_rolls_the_signature_back(world, make_reader, make_exam):
    reader = make_reader(world.member_a, [world.site_a], present_from=T0 - minutes(60))
    exam = make_exam(world.site_a, "inpatient")
    services.exam_route(exam_id=exam.pk, now=T0)
    services.exam_open(exam=reload(exam), reader=reader, at=T0 + minutes(1))
    services.report_save(exam=reload(exam), reader=reader, text="RAS")

    def receiver(sender, **kwargs):
        raise RuntimeError("ledger refused")

    hooks.report_signed.connect(receiver)
    try:
        with pytest.raises(RuntimeError):
            services.report_sign(exam=reload(exam), reader=reader, at=T0 + minutes(5))
    finally:
        hooks.report_signed.disconnect(receiver)
    assert reload(exam).status != "signed"
