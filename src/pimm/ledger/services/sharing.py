"""Costs and revenue of a month, shared between the members by the convention's keys in force:
equipment time (the published vacation plans), activity (the acts of the month), the fixed
shares of the convention, or a weighted mix. Largest remainder to the cent (engine.ledger)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from pimm.engine import ledger as engine
from pimm.ledger import access
from pimm.ledger import models as lm
from pimm.ledger.services.periods import month_end, require_open
from pimm.planning import selectors as planning
from pimm.registry import selectors as registry

B = lm.CostLine.Basis
HUNDRED = Decimal(100)


def cost_line_create(*, actor, period: lm.Period, **fields) -> lm.CostLine:
    if not access.can(actor, "manage"):
        raise PermissionDenied(_("Seule la coordination saisit les charges et les recettes."))
    line = lm.CostLine(period=period, created_by=actor, **fields)
    line.full_clean()
    if line.amount < 0:
        raise ValidationError({"amount": _("Le montant ne peut pas être négatif.")})
    if line.basis == B.MIX and line.mix_time + line.mix_activity + line.mix_fixed != HUNDRED:
        raise ValidationError({"basis": _("Les poids du mélange doivent sommer à 100 %.")})
    with transaction.atomic():
        require_open(lm.Period.objects.select_for_update().get(pk=period.pk))
        line._history_user = actor
        line.save()
    return line


def _fixed_key(line: lm.CostLine):
    period = line.period
    convention = registry.convention_in_force(platform_id=period.platform_id, day=period.month)
    if convention is None:
        raise ValidationError(_("Aucune convention n'est en vigueur ce mois-ci."))
    field = "cost_share" if line.kind == lm.CostLine.Kind.COST else "revenue_share"
    keys = registry.sharing_keys_on(platform_id=period.platform_id, day=period.month)
    percents = {k.member_id: getattr(k, field) for k in keys}
    names = {m.pk: m.name for m in registry.members() if m.platform_id == period.platform_id}
    members = [
        m.name
        for m in registry.members()
        if m.platform_id == period.platform_id and (m.left_on is None or m.left_on >= period.month)
    ]
    problems = engine.check_percent_key(
        {names.get(k, str(k)): v for k, v in percents.items()}, members
    )
    if problems:
        raise ValidationError(
            _("Clé de la convention refusée : %(why)s") % {"why": " ".join(problems)}
        )
    return convention, percents


def _time_key(line: lm.CostLine) -> dict[int, Decimal]:
    p = line.period
    minutes = planning.equipment_minutes_by_member(
        platform_id=p.platform_id, start=p.month, end=month_end(p.month)
    )
    if not any(minutes.values()):
        raise ValidationError(_("Aucune vacation publiée ce mois-ci : pas de clé temps machine."))
    return {k: Decimal(v) for k, v in minutes.items()}


def _activity_key(line: lm.CostLine) -> dict[int, Decimal]:
    counts = (
        lm.Entry.objects.filter(period=line.period, kind=lm.Entry.Kind.ACT, reverses__isnull=True)
        .values("member_id")
        .annotate(n=Count("pk"))
    )
    key = {r["member_id"]: Decimal(r["n"]) for r in counts}
    if not key:
        raise ValidationError(_("Aucun acte ce mois-ci : pas de clé d'activité."))
    return key


def line_key(line: lm.CostLine):
    """(convention version in force, {member_id: weight}) for this line's basis."""
    convention, fixed = _fixed_key(line)  # the key version is checked whatever the basis
    if line.basis == B.FIXED:
        return convention, fixed
    if line.basis == B.TIME:
        return convention, _time_key(line)
    if line.basis == B.ACTIVITY:
        return convention, _activity_key(line)
    parts = []
    if line.mix_time:
        parts.append((line.mix_time, _time_key(line)))
    if line.mix_activity:
        parts.append((line.mix_activity, _activity_key(line)))
    if line.mix_fixed:
        parts.append((line.mix_fixed, fixed))
    return convention, engine.mix(parts)


def cost_line_allocate(*, actor, line: lm.CostLine) -> list[lm.Entry]:
    """Share one line between the members: one entry each, summing exactly to the line."""
    if not access.can(actor, "manage"):
        raise PermissionDenied(_("Seule la coordination répartit les charges et les recettes."))
    with transaction.atomic():
        line = lm.CostLine.objects.select_for_update().select_related("period").get(pk=line.pk)
        require_open(line.period)
        if line.allocated:
            raise ValidationError(_("Cette ligne est déjà répartie."))
        convention, key = line_key(line)
        try:
            shares = engine.allocate(line.amount, sorted(key.items()))
        except engine.AllocationError as exc:
            raise ValidationError(str(exc)) from exc
        problems = engine.check_allocation(line.amount, shares)
        if problems:  # the independent checker: never expected
            raise ValidationError(" ".join(problems))
        kind = (
            lm.Entry.Kind.COST_SHARE
            if line.kind == lm.CostLine.Kind.COST
            else lm.Entry.Kind.REVENUE_SHARE
        )
        entries = lm.Entry.objects.bulk_create(
            lm.Entry(
                period=line.period,
                date=month_end(line.period.month),
                member_id=member_id,
                kind=kind,
                code=line.category,
                label=line.label,
                amount=amount,
                cost_line=line,
                convention=convention,
            )
            for member_id, amount in shares.items()
            if amount
        )
        line.allocated = True
        line._history_user = actor
        line.save(update_fields=["allocated"])
    return entries


def allocate_all(*, actor, period: lm.Period) -> int:
    n = 0
    for line in period.cost_lines.filter(allocated=False).order_by("pk"):
        cost_line_allocate(actor=actor, line=line)
        n += 1
    return n
