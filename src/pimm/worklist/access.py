"""Who may see and do what in the worklist; one fetch per exam (404 for missing and forbidden).

- radiologist: their queue and the exams assigned to (or signed by) them; identity only while
  they hold the exam (every display logged);
- coordinator / administrator: every exam pseudonymised, the coordination page;
- ARS reviewer: pseudonymised aggregates (coordination page) and exam list, writes nothing;
- member manager, secretary, technologist: their member's exams pseudonymised; technologists
  move exams through arrived / in progress / performed / images available.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from pimm.accounts.roles import Role
from pimm.registry import selectors as registry
from pimm.registry.access import EVERYTHING, _role
from pimm.worklist import models as w

R = Role
MEMBER_STAFF = frozenset({R.MEMBER_MANAGER, R.SECRETARY, R.TECHNOLOGIST})
COORDINATION = frozenset({R.COORDINATOR, R.ADMINISTRATOR, R.ARS_REVIEWER})
MOVERS = frozenset({R.TECHNOLOGIST, R.COORDINATOR, R.ADMINISTRATOR})


def role(user) -> str | None:
    return _role(user)


def reader_of(user):
    return registry.practitioner_of_user(user=user) if role(user) == R.RADIOLOGIST else None


def visible_exams(user) -> QuerySet:
    qs = w.Exam.objects.all()
    r = role(user)
    if r in EVERYTHING:
        return qs
    if r in MEMBER_STAFF and user.member_id:
        return qs.filter(member_id=user.member_id)
    reader = reader_of(user)
    if reader is not None:
        return qs.filter(Q(reader=reader) | Q(report__signed_by=reader))
    return qs.none()


def can_list_exams(user) -> bool:
    r = role(user)
    return r in EVERYTHING or r in MEMBER_STAFF or r == R.RADIOLOGIST


def can_see_queue(user) -> bool:
    return reader_of(user) is not None


def can_see_coordination(user) -> bool:
    return role(user) in COORDINATION


def get_exam_for_user(user, pk) -> w.Exam:
    try:
        return (
            visible_exams(user).select_related("priority", "site", "member", "patient").get(pk=pk)
        )
    except (w.Exam.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def shows_identity(user, exam: w.Exam) -> bool:
    """Only the reader who holds the exam now sees who the patient is."""
    reader = reader_of(user)
    return (
        reader is not None
        and exam.reader_id == reader.pk
        and exam.status in (w.Exam.Status.ASSIGNED, w.Exam.Status.READ)
    )


def can_move(user, exam: w.Exam) -> bool:
    r = role(user)
    if r in (R.COORDINATOR, R.ADMINISTRATOR):
        return True
    return r == R.TECHNOLOGIST and user.member_id == exam.member_id


def can_report(user, exam: w.Exam) -> bool:
    return shows_identity(user, exam)


CONFIGURERS = frozenset({R.COORDINATOR, R.ADMINISTRATOR})


def can_configure(user) -> bool:
    """Priority classes and targets: coordinator and administrator only."""
    return role(user) in CONFIGURERS


def can_manage_presences(user) -> bool:
    r = role(user)
    return r in CONFIGURERS or (r == R.MEMBER_MANAGER and user.member_id is not None)


def presences_for(user) -> QuerySet:
    """Presence rows this user may see and change: all, or their member's radiologists'."""
    qs = w.ReaderPresence.objects.select_related("practitioner__member", "site")
    r = role(user)
    if r in CONFIGURERS:
        return qs
    if r == R.MEMBER_MANAGER and user.member_id:
        return qs.filter(practitioner__member_id=user.member_id)
    return qs.none()


def presence_practitioners(user) -> QuerySet:
    """Radiologists a user may give a presence to."""
    qs = registry.active_practitioners()
    r = role(user)
    if r in CONFIGURERS:
        return qs
    if r == R.MEMBER_MANAGER and user.member_id:
        return qs.filter(member_id=user.member_id)
    return qs.none()


def get_presence_for_user(user, pk) -> w.ReaderPresence:
    try:
        return presences_for(user).get(pk=pk)
    except (w.ReaderPresence.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_priority_class_for_user(user, pk) -> w.PriorityClass:
    if not can_configure(user):
        raise Http404
    try:
        return w.PriorityClass.objects.select_related("platform").get(pk=pk)
    except (w.PriorityClass.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def nav_items(user) -> list[tuple[str, str]]:
    from django.urls import reverse
    from django.utils.translation import gettext as _

    items = []
    if can_see_queue(user):
        items.append((_("Ma lecture"), reverse("worklist:queue")))
    if can_list_exams(user):
        items.append((_("Examens"), reverse("worklist:exam_list")))
    if can_see_coordination(user):
        items.append((_("Coordination lecture"), reverse("worklist:coordination")))
    if can_manage_presences(user):  # the priority classes are linked from that page
        items.append((_("Plan de présence"), reverse("worklist:presences")))
    return items
