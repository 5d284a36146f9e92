"""Who may see and do what in the worklist; one fetch per exam (404 for missing and forbidden).

- radiologist: their queue and the exams assigned to (or signed by) them; identity only while
  they hold the exam (every display logged);
- coordinator / administrator: every exam pseudonymised, the coordination page;
- ARS reviewer: pseudonymised aggregates (coordination page) and exam list, writes nothing;
- member manager, secretary, technologist: their member's exams pseudonymised; technologists
  move exams through arrived / in progress / performed / images available.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from pimm.accounts.access import EVERYTHING, MEMBER_BOUND, WRITERS, Rule, Rules, role_of
from pimm.accounts.roles import Role
from pimm.oncall import access as oncall_access
from pimm.registry import selectors as registry
from pimm.worklist import models as w

R = Role
MEMBER_STAFF = MEMBER_BOUND
COORDINATION = EVERYTHING
CONFIGURERS = WRITERS
__all__ = ["COORDINATION", "MEMBER_STAFF", "RULES"]

RULES = Rules(
    objects={
        # an exam involves its member (who ordered it) and its reader, whatever the reader's
        # member: the reader it is assigned to (or who signed it) reads it
        w.Exam: Rule(
            read_own=MEMBER_STAFF,
            read_paths=("member",),
            read_self=frozenset({R.RADIOLOGIST}),
            self_paths=("reader__user", "report__signed_by__user"),
            # the workflow moves (arrived ... images available); reports go to the reader
            write_own=frozenset({R.TECHNOLOGIST}),
            write_paths=("member",),
        ),
        w.PriorityClass: Rule(read_all=CONFIGURERS),
    },
    abilities={
        "exam_list": EVERYTHING | MEMBER_STAFF | {R.RADIOLOGIST},
        "queue": frozenset({R.RADIOLOGIST}),  # and a practitioner profile (see can_see_queue)
        "coordination": COORDINATION,
        "configure": CONFIGURERS,  # priority classes and targets
    },
)
can = RULES.can
role = role_of


def reader_of(user):
    return registry.practitioner_of_user(user=user) if role(user) == R.RADIOLOGIST else None


def visible_exams(user):
    return RULES.visible(user, w.Exam)


def can_list_exams(user) -> bool:
    return can(user, "exam_list")


def can_see_queue(user) -> bool:
    return can(user, "queue") and reader_of(user) is not None


def can_see_coordination(user) -> bool:
    return can(user, "coordination")


def get_exam_for_user(user, pk) -> w.Exam:
    qs = w.Exam.objects.select_related("priority", "site", "member", "patient")
    return RULES.fetch(user, w.Exam, pk, queryset=qs)


access_exam_for_user = get_exam_for_user


def shows_identity(user, exam: w.Exam) -> bool:
    """Only the reader who holds the exam now sees who the patient is."""
    reader = reader_of(user)
    return (
        reader is not None
        and exam.reader_id == reader.pk
        and exam.status in (w.Exam.Status.ASSIGNED, w.Exam.Status.READ)
    )


def can_move(user, exam: w.Exam) -> bool:
    """Technologists of the exam's member (and the platform) move it through the workflow."""
    return RULES.writes_for(user, w.Exam, exam.member_id)


def can_report(user, exam: w.Exam) -> bool:
    return shows_identity(user, exam)


def can_chase_finding(user, exam: w.Exam) -> bool:
    """Log a communication of a critical finding: its reader, before and after signing (the
    finding outlives the report); coordination closes it instead (``can_close_finding``)."""
    reader = reader_of(user)
    return reader is not None and exam.reader_id == reader.pk


def can_close_finding(user) -> bool:
    """Close a finding nobody can acknowledge, with a reason: coordination only."""
    return getattr(user, "is_platform_staff", False)


def can_configure(user) -> bool:
    """Priority classes and targets: coordinator and administrator only."""
    return can(user, "configure")


def get_priority_class_for_user(user, pk) -> w.PriorityClass:
    qs = w.PriorityClass.objects.select_related("platform")
    return RULES.fetch(user, w.PriorityClass, pk, queryset=qs)


def nav_items(user) -> list[tuple[str, str]]:
    items = []
    if can_see_queue(user):
        items.append((_("Ma lecture"), reverse("worklist:queue")))
    if can_list_exams(user):
        items.append((_("Examens"), reverse("worklist:exam_list")))
    if can_see_coordination(user):
        items.append((_("Coordination lecture"), reverse("worklist:coordination")))
    if oncall_access.can_manage_presences(user):  # it links to the priority classes
        items.append((_("Plan de présence"), reverse("worklist:presences")))
    return items
