"""Months: opened on first use, closed by the coordinator (entries frozen from then on); a
correction is a reversing entry written in an open month."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pimm.ledger import access
from pimm.ledger import models as lm


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def period_for(*, platform_id: int, day: dt.date) -> lm.Period:
    """The month of ``day`` (created open if new)."""
    period, _created = lm.Period.objects.get_or_create(platform_id=platform_id, month=month_of(day))
    return period


def require_open(period: lm.Period) -> None:
    if not period.is_open:
        raise ValidationError(
            _(
                "Le mois %(month)s est clos : aucune écriture n'y est possible. Corrigez par une "
                "écriture de contre-passation dans un mois ouvert."
            )
            % {"month": str(period)}
        )


def period_close(*, actor, period: lm.Period) -> lm.Period:
    """Close a month: its entries are frozen. Refused while a cost or revenue line of the month
    is not shared yet."""
    if not access.can(actor, "close"):
        raise PermissionDenied(_("Seule la coordination clôt un mois."))
    with transaction.atomic():
        period = lm.Period.objects.select_for_update().get(pk=period.pk)
        require_open(period)
        pending = period.cost_lines.filter(allocated=False).count()
        if pending:
            raise ValidationError(
                _("%(n)s ligne(s) de charges ou de recettes du mois ne sont pas encore réparties.")
                % {"n": pending}
            )
        period.status, period.closed_at, period.closed_by = (
            lm.Period.Status.CLOSED,
            timezone.now(),
            actor,
        )
        period._history_user = actor
        period.save()
    return period


def entry_reverse(*, actor, entry: lm.Entry, into: lm.Period, reason: str = "") -> lm.Entry:
    """A reversing entry (the opposite amount, same member and sources) in the open month
    ``into``: the only way to correct a closed month."""
    if not access.can(actor, "close"):
        raise PermissionDenied(_("Seule la coordination contre-passe une écriture."))
    with transaction.atomic():
        into = lm.Period.objects.select_for_update().get(pk=into.pk)
        require_open(into)
        if entry.reverses_id or lm.Entry.objects.filter(reverses=entry).exists():
            raise ValidationError(_("Cette écriture est déjà contre-passée (ou en est une)."))
        label = _("Contre-passation : %(label)s") % {"label": entry.label}
        if reason:
            label = f"{label} ({reason})"
        return lm.Entry.objects.create(
            period=into,
            date=max(into.month, min(timezone.localdate(), month_end(into.month))),
            member_id=entry.member_id,
            practitioner_id=entry.practitioner_id,
            kind=entry.kind,
            code=entry.code,
            label=label[:300],
            amount=-entry.amount,
            exam_id=entry.exam_id,
            equipment_id=entry.equipment_id,
            cost_line_id=entry.cost_line_id,
            convention_id=entry.convention_id,
            reverses=entry,
        )
