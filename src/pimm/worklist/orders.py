"""Changes the member's systems send through the interfaces: an identity corrected, two
patient records merged, an order changed or cancelled (HL7 ADT A08/A40, order control XO/CA/DC)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from . import models as w
from .services import S, WorklistError, _save, exam_transition


@transaction.atomic
def patient_identity_update(
    *, patient: w.Patient, family_name: str, given_name: str, birth_date: dt.date, nir: str
) -> w.Patient:
    """An identity corrected by the member's system (ADT A08); the pseudonym stays."""
    patient = w.Patient.objects.select_for_update().get(pk=patient.pk)
    patient.family_name, patient.given_name = family_name, given_name
    patient.birth_date, patient.nir = birth_date, nir
    _save(patient, None)
    return patient


@transaction.atomic
def patients_merge(*, survivor: w.Patient, merged: w.Patient, actor=None) -> int:
    """Two records of one patient (ADT A40): the orders and exams of ``merged`` move to
    ``survivor``. Returns the number of orders moved."""
    if survivor.pk == merged.pk:
        return 0
    orders = list(w.Order.objects.select_for_update().filter(patient=merged))
    for order in orders:
        order.patient = survivor
        _save(order, actor, update_fields=["patient"])
    for exam in w.Exam.objects.select_for_update().filter(patient=merged):
        exam.patient = survivor
        _save(exam, actor, update_fields=["patient"])
    return len(orders)


@transaction.atomic
def order_update(
    *,
    order: w.Order,
    priority: w.PriorityClass,
    actor=None,
    requester: str = "",
    indication: str = "",
) -> w.Order:
    """A changed order (HL7 order control XO): its priority and texts; its open exams follow
    the priority."""
    order = w.Order.objects.select_for_update().get(pk=order.pk)
    order.priority, order.requester, order.indication = priority, requester, indication
    _save(order, actor, update_fields=["priority", "requester", "indication"])
    for exam in (
        w.Exam.objects.select_for_update()
        .filter(order=order)
        .exclude(status__in=[S.SIGNED, S.CANCELLED])
    ):
        exam.priority = priority
        exam.routing_version += 1
        _save(exam, actor, update_fields=["priority", "routing_version"])
    return order


@transaction.atomic
def exam_update(
    *,
    exam: w.Exam,
    actor=None,
    modality: str,
    exam_type: str = "",
    scheduled_at: dt.datetime | None = None,
) -> w.Exam:
    """A changed exam of a changed order, while it is still only scheduled."""
    exam = w.Exam.objects.select_for_update().get(pk=exam.pk)
    if exam.status != S.SCHEDULED:
        raise WorklistError(
            _("L'examen n'est plus programmé (%(s)s) : il ne peut plus être modifié.")
            % {"s": exam.get_status_display()}
        )
    exam.modality, exam.exam_type = modality, exam_type
    if scheduled_at is not None:
        exam.scheduled_at = scheduled_at
    _save(exam, actor, update_fields=["modality", "exam_type", "scheduled_at"])
    return exam


@transaction.atomic
def order_cancel(*, order: w.Order, actor=None, note: str = "") -> int:
    """A cancelled or discontinued order (HL7 CA, DC): its exams not yet read are cancelled;
    refused when one is already signed or read. Returns the exams cancelled."""
    exams = list(w.Exam.objects.select_for_update().filter(order=order))
    done = [e for e in exams if e.status in (S.SIGNED, S.READ)]
    if done:
        raise WorklistError(_("Un examen de cette demande est déjà lu : annulation impossible."))
    n = 0
    for exam in exams:
        if exam.status != S.CANCELLED:
            exam_transition(exam=exam, to=S.CANCELLED, actor=actor, note=note)
            n += 1
    return n
