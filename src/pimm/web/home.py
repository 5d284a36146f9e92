"""Each role's home page is their day: what the dashboard shows to whom, read through the rooms'
selectors and rules (the view stays thin; one partial template per role, ``web/home/``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from pimm.accounts.access import role_of
from pimm.accounts.attention import Attention, by_urgency
from pimm.accounts.roles import Role
from pimm.oncall import access as oncall_access
from pimm.oncall import selectors as oncall
from pimm.planning import access as planning_access
from pimm.planning import models as pm
from pimm.planning import selectors as planning
from pimm.registry import access as registry_access
from pimm.registry import models as m
from pimm.registry import selectors as registry
from pimm.worklist import access as worklist_access
from pimm.worklist import selectors as worklist
from pimm.worklist import services as worklist_services

R = Role
PARTIALS = {
    R.COORDINATOR: "coordinator",
    R.ADMINISTRATOR: "coordinator",
    R.ARS_REVIEWER: "coordinator",
    R.MEMBER_MANAGER: "manager",
    R.SECRETARY: "secretary",
    R.TECHNOLOGIST: "technologist",
    R.RADIOLOGIST: "radiologist",
}
STEP_ORDER = ("arrived", "in_progress", "performed")


def attention(user, today: dt.date) -> list[Attention]:
    """What needs this user's attention today, from every room below, most urgent first."""
    items = [
        *registry.attention(user, today),
        *oncall.attention(user, today),
        *worklist.attention(user, today),
    ]
    return by_urgency(items)


def partial_for(user) -> str | None:
    name = PARTIALS.get(role_of(user))
    return f"web/home/_{name}.html" if name else None


def radiologist_day(user, today: dt.date) -> dict:
    reader = worklist_access.reader_of(user)
    if reader is None:
        return {}
    queue = worklist.reader_queue(reader=reader) if worklist_access.can_see_queue(user) else []
    return {
        "reader": reader,
        "queue": queue[:10],
        "queue_total": len(queue),
        "queue_by_priority": worklist.queue_by_priority(exams=queue),
        "duties": oncall.next_duties(practitioner_id=reader.pk, now=timezone.now()),
        "swaps_waiting": oncall.swaps_waiting_for(practitioner_id=reader.pk),
        "findings": worklist.findings_to_chase(reader=reader),
    }


def _own_devices(user):
    return list(
        registry_access.visible(user, m.Equipment)
        .filter(holder_id=user.member_id, active=True)
        .select_related("site")
        .order_by("site__name", "name")
    )


def technologist_day(user, today: dt.date) -> dict:
    devices = _own_devices(user)
    ids = [d.pk for d in devices]
    bookings = planning.bookings_on(user, day=today, equipment_ids=ids)
    closures = planning.closures_on(day=today, equipment_ids=ids)
    exams = worklist.exams_of_day(user=user, day=today)
    return {
        "devices": [
            {
                "device": d,
                "bookings": [b for b in bookings if b.equipment_id == d.pk],
                "closures": closures.get(d.pk, []),
                "can_close": planning_access.can_close_equipment(user, d),
            }
            for d in devices
        ],
        "exams": [(e, _next_steps(e) if worklist_access.can_move(user, e) else []) for e in exams],
    }


def _next_steps(exam) -> list[tuple[str, str]]:
    """The workflow steps a technologist may take next on this exam, with their labels."""
    allowed = worklist_services.TRANSITIONS[exam.status]
    labels = dict(exam.Status.choices)
    return [(s, labels[s]) for s in STEP_ORDER if s in allowed]


def secretary_day(user, today: dt.date) -> dict:
    bookings = planning.bookings_on(user, day=today)
    writable = set(
        planning_access.writable(user, pm.Booking)
        .filter(pk__in=[b.pk for b in bookings])
        .values_list("pk", flat=True)
    )
    monday = today - dt.timedelta(days=today.weekday())
    return {
        "bookings": [(b, b.pk in writable) for b in bookings],
        "can_book": planning_access.can(user, "book"),
        "week_start": monday,
        "week_end": monday + dt.timedelta(days=6),
    }


def manager_day(user, today: dt.date) -> dict:
    member = registry.member(pk=user.member_id) if user.member_id else None
    if member is None:
        return {}
    week_end = today + dt.timedelta(days=6)
    return {
        "member": member,
        "practitioners": list(
            registry_access.visible(user, m.Practitioner).filter(member=member, active=True)
        ),
        "technologists": list(
            registry_access.visible(user, m.Technologist).filter(member=member, active=True)
        ),
        "devices": _own_devices(user),
        "duties": oncall.member_duties(member_id=member.pk, start=today, end=week_end),
        "deviation": planning.member_deviation(member_id=member.pk),
        "can_presences": oncall_access.can_manage_presences(user),
    }


BUILDERS = {
    "radiologist": radiologist_day,
    "technologist": technologist_day,
    "secretary": secretary_day,
    "manager": manager_day,
}


def home_context(user, today: dt.date) -> dict:
    """The role's day: its partial template, what needs attention, and the role's own blocks."""
    name = PARTIALS.get(role_of(user))
    context: dict = {"home_partial": partial_for(user), "attention": attention(user, today)}
    builder = BUILDERS.get(name)
    if builder is not None:
        context.update(builder(user, today))
    return context
