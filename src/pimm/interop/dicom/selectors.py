"""Reads of the DICOM part: the channel behind a calling AE title, and the doses above the
national reference levels (read by the radiation-protection page and by the evaluation room)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from pimm.interop import access
from pimm.interop.dicom.models import DoseRecord
from pimm.interop.models import Channel


def channel_for_ae(ae_title: str) -> Channel | None:
    """The active DICOM channel of this calling AE title (None: unknown or inactive)."""
    ae_title = (ae_title or "").strip()
    if not ae_title:
        return None
    return (
        Channel.objects.filter(kind=Channel.Kind.DICOM, active=True, ae_title=ae_title)
        .select_related("equipment")
        .first()
    )


def active_ae_titles() -> list[str]:
    return list(
        Channel.objects.filter(kind=Channel.Kind.DICOM, active=True)
        .exclude(ae_title="")
        .values_list("ae_title", flat=True)
    )


def doses_above_nrd(
    *,
    user=None,
    member_id: int | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> QuerySet[DoseRecord]:
    """Exams whose reported dose is above the NRD, newest first: every member's for the
    platform (``user=None``: the evaluation room's indicators), else what ``user`` may read
    (coordinator and ARS all, a member manager their member's); optionally one member and
    a period [start, end)."""
    qs = DoseRecord.objects.filter(above_nrd=True)
    if user is not None:
        qs = access.visible_doses(user, qs)
    if member_id is not None:
        qs = qs.filter(member_id=member_id)
    if start is not None:
        qs = qs.filter(performed_at__gte=start)
    if end is not None:
        qs = qs.filter(performed_at__lt=end)
    return qs.select_related("exam", "member", "exam__site").order_by("-performed_at", "pk")
