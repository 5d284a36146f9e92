"""Swaps and give-aways between radiologists: propose, accept, approve, refuse, cancel."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pimm.engine.i18n import gettext_noop
from pimm.engine.rota import checker
from pimm.registry.models import Practitioner

from .. import access
from ..adapter import build_problem, current_assignments
from ..models import (
    Rota,
    RotaAssignment,
    RotaShift,
    SwapRequest,
)
from ._base import S, _bump, _require, _save
from .points import point_balances_refresh_from

# --- swaps and give-aways ----------------------------------------------------------------------


def _holder(shift: RotaShift) -> int | None:
    return (
        RotaAssignment.objects.filter(shift=shift).values_list("practitioner_id", flat=True).first()
    )


def _change(swap: SwapRequest):
    if swap.kind == SwapRequest.Kind.SWAP:
        return checker.Swap(swap.shift.key, swap.other_shift.key)
    return checker.GiveAway(swap.shift.key, str(swap.to_practitioner_id))


def swap_check(swap: SwapRequest) -> list[str]:
    """French reasons why the change cannot be applied to the rota as it is now (empty: legal)."""
    rota = swap.rota
    if rota.status != S.PUBLISHED:
        return [_("Le tableau n'est plus le tableau publié.")]
    if _holder(swap.shift) != swap.from_practitioner_id:
        return [_("%(who)s ne tient plus cette garde.") % {"who": swap.from_practitioner}]
    if swap.other_shift_id and _holder(swap.other_shift) != swap.to_practitioner_id:
        return [
            _("%(who)s ne tient plus la garde proposée en échange.") % {"who": swap.to_practitioner}
        ]
    problem = build_problem(rota, include_previous=False)
    return checker.check_change(problem, current_assignments(rota), _change(swap))


def swap_propose(
    *,
    actor,
    shift: RotaShift,
    to_practitioner: Practitioner | None = None,
    other_shift: RotaShift | None = None,
    message: str = "",
) -> SwapRequest:
    """Propose to swap ``shift`` against ``other_shift`` (its holder is the other party) or to
    give ``shift`` away to ``to_practitioner``. Refused at once if a rule would break."""
    _require(actor, "swaps")
    me = access.own_practitioner(actor)
    holder = _holder(shift)
    if access.role(actor) not in access.MANAGERS and (me is None or me.pk != holder):
        raise PermissionDenied(_("Vous ne pouvez proposer que vos propres gardes."))
    if shift.rota.status != S.PUBLISHED:
        raise ValidationError(_("Les échanges se font sur le tableau publié."))
    if shift.ends_at <= timezone.now():
        raise ValidationError(_("Cette garde est passée."))
    if other_shift is not None:
        if other_shift.rota_id != shift.rota_id:
            raise ValidationError(_("Les deux gardes doivent être du même tableau."))
        to_id = _holder(other_shift)
        to_practitioner = Practitioner.objects.get(pk=to_id)
        kind = SwapRequest.Kind.SWAP
    elif to_practitioner is not None:
        kind = SwapRequest.Kind.GIVE_AWAY
    else:
        raise ValidationError(_("Choisissez une garde à échanger ou un praticien à qui la céder."))
    if to_practitioner.pk == holder:
        raise ValidationError(_("Vous tenez déjà cette garde."))
    swap = SwapRequest(
        rota=shift.rota,
        kind=kind,
        shift=shift,
        other_shift=other_shift,
        from_practitioner_id=holder,
        to_practitioner=to_practitioner,
        message=message,
        created_by=actor,
    )
    reasons = swap_check(swap)
    if reasons:
        raise ValidationError(reasons)
    with transaction.atomic():
        _save(swap, actor, gettext_noop("proposition"))
    return swap


def _is_party(actor, practitioner_id: int) -> bool:
    me = access.own_practitioner(actor)
    return me is not None and me.pk == practitioner_id


def swap_accept(*, actor, swap: SwapRequest) -> SwapRequest:
    """The other practitioner accepts; applied at once unless the rota requires the
    coordinator's approval."""
    if not _is_party(actor, swap.to_practitioner_id):
        raise PermissionDenied(_("Seul le destinataire peut accepter cette proposition."))
    if swap.status != SwapRequest.Status.PROPOSED:
        raise ValidationError(_("Cette proposition n'est plus en attente."))
    if swap.rota.swaps_need_approval:
        reasons = swap_check(swap)
        if reasons:
            _refuse(swap, actor, reasons)
        swap.status = SwapRequest.Status.ACCEPTED
        swap.decided_at, swap.decided_by = timezone.now(), actor
        with transaction.atomic():
            _save(swap, actor, gettext_noop("acceptation"))
        return swap
    return _apply(swap, actor, "acceptation")


def swap_approve(*, actor, swap: SwapRequest) -> SwapRequest:
    _require(actor, "rota_manage")
    if swap.status != SwapRequest.Status.ACCEPTED:
        raise ValidationError(
            _("Seule une proposition acceptée par les deux praticiens s'approuve.")
        )
    swap.status = SwapRequest.Status.APPROVED
    return _apply(swap, actor, "approbation")


def swap_refuse(*, actor, swap: SwapRequest, reason: str = "") -> SwapRequest:
    manager = access.role(actor) in access.MANAGERS
    if not (manager or _is_party(actor, swap.to_practitioner_id)):
        raise PermissionDenied(_("Vous ne pouvez pas refuser cette proposition."))
    if swap.status not in (SwapRequest.Status.PROPOSED, SwapRequest.Status.ACCEPTED):
        raise ValidationError(_("Cette proposition n'est plus en attente."))
    swap.status = SwapRequest.Status.REFUSED
    swap.reason = reason or _("Refusé par %(who)s.") % {"who": actor.get_full_name() or actor}
    swap.decided_at, swap.decided_by = timezone.now(), actor
    with transaction.atomic():
        _save(swap, actor, gettext_noop("refus"))
    return swap


def swap_cancel(*, actor, swap: SwapRequest) -> SwapRequest:
    if not (_is_party(actor, swap.from_practitioner_id) or access.role(actor) in access.MANAGERS):
        raise PermissionDenied(_("Seul le demandeur peut annuler sa proposition."))
    if swap.status not in (SwapRequest.Status.PROPOSED, SwapRequest.Status.ACCEPTED):
        raise ValidationError(_("Cette proposition n'est plus en attente."))
    swap.status = SwapRequest.Status.CANCELLED
    with transaction.atomic():
        _save(swap, actor, gettext_noop("annulation"))
    return swap


def _refuse(swap: SwapRequest, actor, reasons: list[str]):
    swap.status = SwapRequest.Status.REFUSED
    swap.reason = "\n".join(reasons)
    swap.decided_at, swap.decided_by = timezone.now(), actor
    with transaction.atomic():
        _save(swap, actor, gettext_noop("refus automatique : règle non respectée"))
    raise ValidationError(reasons)


def _apply(swap: SwapRequest, actor, reason: str) -> SwapRequest:
    """Check every rule with the engine's checker, then apply the change to the published rota
    (the rota row is locked for the time of it, and its version increases)."""
    with transaction.atomic():
        Rota.objects.select_for_update().filter(pk=swap.rota_id).first()
        swap.rota.refresh_from_db()
        reasons = swap_check(swap)
        if not reasons:
            a = RotaAssignment.objects.get(shift=swap.shift)
            if swap.kind == SwapRequest.Kind.SWAP:
                b = RotaAssignment.objects.get(shift=swap.other_shift)
                a.practitioner_id, b.practitioner_id = b.practitioner_id, a.practitioner_id
                _save(b, actor, gettext_noop("échange %(n)s", n=swap.pk))
            else:
                a.practitioner_id = swap.to_practitioner_id
            _save(
                a,
                actor,
                gettext_noop("échange %(n)s", n=swap.pk)
                if swap.kind == SwapRequest.Kind.SWAP
                else gettext_noop("cession %(n)s", n=swap.pk),
            )
            _bump(swap.rota, None)
            swap.status = SwapRequest.Status.APPLIED
            swap.decided_at, swap.decided_by = timezone.now(), actor
            _save(swap, actor, reason)
    if reasons:
        _refuse(swap, actor, reasons)
    years = [swap.shift.date.year] + ([swap.other_shift.date.year] if swap.other_shift else [])
    point_balances_refresh_from(platform=swap.rota.platform, year=min(years))
    return swap


# --- the swap form: only the shifts that could be swapped -------------------------------------

SWAP_HORIZON_DAYS = 62


@dataclass
class SwapChoices:
    mine: list[RotaShift]  # my future published duties that a swap may move (not locked)
    others: list[RotaShift]  # others' duties at least one of mine could be swapped against


def swap_choices(*, practitioner: Practitioner, now: dt.datetime) -> SwapChoices:
    """What the swap form offers a radiologist: their own future duties, and the others' duties
    of the same published rotas for which the checker accepts a swap with one of them (every
    hard rule: competence, leave, rest, overlap, quotas, locks...)."""
    future = (
        RotaShift.objects.filter(
            rota__status=Rota.Status.PUBLISHED,
            ends_at__gt=now,
            starts_at__lt=now + dt.timedelta(days=SWAP_HORIZON_DAYS),
            assignment__isnull=False,
        )
        .select_related("line", "assignment__practitioner", "rota")
        .order_by("starts_at", "line__name")
    )
    mine = [s for s in future if s.assignment.practitioner_id == practitioner.pk]
    mine = [s for s in mine if not s.assignment.locked]
    others: list[RotaShift] = []
    for rota_id in sorted({s.rota_id for s in mine}):
        rota = next(s.rota for s in mine if s.rota_id == rota_id)
        problem = build_problem(rota, include_previous=False)
        assignments = current_assignments(rota)
        before = {v.message for v in checker.check_rota(problem, assignments)}
        my_keys = [s.key for s in mine if s.rota_id == rota_id]
        for other in future:
            if other.rota_id != rota_id or other.assignment.practitioner_id == practitioner.pk:
                continue
            if other.assignment.locked:
                continue
            for key in my_keys:
                after = checker.check_rota(
                    problem, checker.apply_change(assignments, checker.Swap(key, other.key))
                )
                if all(v.message in before or v.rule == "locked" for v in after):
                    others.append(other)
                    break
    return SwapChoices(mine, others)
