"""Reads for the home pages (next duties, swaps waiting, what needs attention) and for
publishing (what changes against the published rota)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pimm.accounts.attention import Attention
from pimm.registry.models import Practitioner

from .. import access
from ..models import (
    OnCallLine,
    Rota,
    RotaAssignment,
    RotaShift,
    SwapRequest,
)
from .core import duties, published_duties_of

# ---- the home pages ------------------------------------------------------------------------


def next_duties(*, practitioner_id: int, now: dt.datetime, limit: int = 5) -> list[RotaAssignment]:
    """A practitioner's published duties not yet over, soonest first."""
    return list(
        published_duties_of(practitioner_id=practitioner_id).filter(shift__ends_at__gt=now)[:limit]
    )


def member_duties(*, member_id: int, start: dt.date, end: dt.date) -> list[RotaAssignment]:
    """The published duties of a member's radiologists between two dates (inclusive)."""
    return list(
        duties(member_id=member_id)
        .filter(
            shift__rota__status=Rota.Status.PUBLISHED, shift__date__gte=start, shift__date__lte=end
        )
        .select_related("shift__line", "practitioner")
    )


def swaps_waiting_for(*, practitioner_id: int) -> list[SwapRequest]:
    """Proposals made to this practitioner that they have not answered yet."""
    return list(
        SwapRequest.objects.filter(
            to_practitioner_id=practitioner_id, status=SwapRequest.Status.PROPOSED
        )
        .select_related("shift__line", "other_shift__line", "from_practitioner")
        .order_by("shift__starts_at")
    )


def unfilled_shifts(*, now: dt.datetime, days: int = 31) -> QuerySet:
    """Shifts of published rotas in the coming ``days`` that nobody holds."""
    return RotaShift.objects.filter(
        rota__status=Rota.Status.PUBLISHED,
        assignment__isnull=True,
        ends_at__gt=now,
        starts_at__lt=now + dt.timedelta(days=days),
    )


def month_without_rota(*, today: dt.date) -> dt.date | None:
    """The first day of next month when no published rota covers it, else None."""
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    covered = Rota.objects.filter(
        status=Rota.Status.PUBLISHED, start__lte=first, end__gte=first
    ).exists()
    return None if covered else first


def attention(user, today: dt.date) -> list[Attention]:
    """What needs this user's attention in the duty room today (``pimm.accounts.attention``)."""
    out: list[Attention] = []
    now = timezone.now()
    if access.can(user, "rota_manage"):
        url = reverse("oncall:index")
        unfilled = unfilled_shifts(now=now).count()
        if unfilled:
            label = ngettext(
                "%(n)d garde non pourvue dans les 31 prochains jours",
                "%(n)d gardes non pourvues dans les 31 prochains jours",
                unfilled,
            ) % {"n": unfilled}
            out.append(Attention(label, unfilled, url, "danger"))
        missing = month_without_rota(today=today)
        if missing is not None:
            label = _("Aucun tableau de garde publié pour %(month)s") % {
                "month": date_format(missing, "F Y")
            }
            out.append(Attention(label, 1, url, "warning"))
        to_approve = SwapRequest.objects.filter(status=SwapRequest.Status.ACCEPTED).count()
        if to_approve:
            label = ngettext(
                "%(n)d échange à approuver", "%(n)d échanges à approuver", to_approve
            ) % {"n": to_approve}
            out.append(Attention(label, to_approve, reverse("oncall:swaps"), "warning"))
    me = access.own_practitioner(user)
    if me is not None and access.can(user, "swaps"):
        waiting = len(swaps_waiting_for(practitioner_id=me.pk))
        if waiting:
            label = ngettext(
                "%(n)d proposition d'échange à laquelle répondre",
                "%(n)d propositions d'échange auxquelles répondre",
                waiting,
            ) % {"n": waiting}
            out.append(Attention(label, waiting, reverse("oncall:swaps"), "warning"))
    return out


# ---- publishing: what changes against the published rota -----------------------------------


@dataclass(frozen=True)
class DiffRow:
    line: OnCallLine
    starts_at: dt.datetime
    category_label: str
    before: Practitioner | None  # in the published rota (None: not there, or nobody)
    after: Practitioner | None  # in the rota to publish


@dataclass
class PublishDiff:
    published: list[Rota]  # the published rotas this one would supersede
    rows: list[DiffRow]  # the duties whose holder changes, in time order
    unchanged: int
    total: int

    @property
    def over_published(self) -> bool:
        return bool(self.published)


def _holders(rota_ids) -> dict[tuple[int, dt.datetime], tuple[RotaShift, Practitioner | None]]:
    shifts = RotaShift.objects.filter(rota_id__in=list(rota_ids)).select_related(
        "line", "assignment__practitioner__member"
    )
    out = {}
    for s in shifts:
        a = getattr(s, "assignment", None)
        out[(s.line_id, s.starts_at)] = (s, a.practitioner if a else None)
    return out


def publish_diff(rota: Rota) -> PublishDiff:
    """The duties of ``rota`` whose holder differs from the published rota(s) over the same
    dates; a duty absent from the published rota counts as a change."""
    published = list(
        Rota.objects.filter(
            platform_id=rota.platform_id,
            status=Rota.Status.PUBLISHED,
            start__lte=rota.end,
            end__gte=rota.start,
        )
        .exclude(pk=rota.pk)
        .order_by("start")
    )
    after = _holders([rota.pk])
    if not published:
        return PublishDiff([], [], 0, len(after))
    before = _holders(r.pk for r in published)
    rows = []
    for key, (shift, who) in sorted(after.items(), key=lambda kv: kv[0][1]):
        old_who = before[key][1] if key in before else None
        if key in before and (old_who and old_who.pk) == (who and who.pk):
            continue
        rows.append(
            DiffRow(shift.line, shift.starts_at, shift.get_category_display(), old_who, who)
        )
    return PublishDiff(published, rows, len(after) - len(rows), len(after))
