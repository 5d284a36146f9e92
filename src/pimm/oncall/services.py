"""Writes for on-call duty, each in one transaction, checked against the actor's rights.

Every change to a rota goes through ``_bump``: a conditional UPDATE on ``Rota.version`` that
refuses a stale version (optimistic locking: two coordinators never overwrite each other
silently). Every cell written after publication (swap, give-away) is checked by the engine's
independent checker first, and audited through simple-history.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pimm.engine.rota import checker
from pimm.engine.rota import model as em
from pimm.engine.rota.solver import solve
from pimm.registry.models import Platform, Practitioner, Site

from . import access, selectors
from .adapter import active_lines, build_problem, current_assignments, shifts_for
from .models import (
    CalendarToken,
    OnCallLine,
    PointBalance,
    PointWeights,
    Preference,
    Rota,
    RotaAssignment,
    RotaShift,
    RotaSolve,
    SwapRequest,
    Unavailability,
    new_token,
)

log = logging.getLogger(__name__)
MAX_DAYS = 366
S = Rota.Status


class StaleRota(ValidationError):
    """The rota changed since the user loaded it."""


def _require(actor, action: str) -> None:
    if not access.can(actor, action):
        raise PermissionDenied(_("Vous n'avez pas le droit de faire cette action."))


def _bump(rota: Rota, expected_version: int | None) -> None:
    """Increase the rota's version if it is still ``expected_version`` (None: whatever it is)."""
    qs = Rota.objects.filter(pk=rota.pk)
    if expected_version is not None:
        qs = qs.filter(version=expected_version)
    if qs.update(version=F("version") + 1) == 0:
        current = Rota.objects.filter(pk=rota.pk).values_list("version", flat=True).first()
        raise StaleRota(
            _(
                "Ce tableau a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert "
                "(votre version : %(mine)s, version actuelle : %(current)s). Rechargez la page : "
                "rien n'a été enregistré."
            )
            % {"mine": expected_version, "current": current}
        )
    rota.version = Rota.objects.values_list("version", flat=True).get(pk=rota.pk)


def _save(obj, actor, reason: str = "") -> None:
    obj._history_user = actor
    if reason:
        obj._change_reason = reason
    obj.save()


# --- lines -------------------------------------------------------------------------------------


def line_save(*, actor, line: OnCallLine, sites: list[Site]) -> OnCallLine:
    _require(actor, "line_write")
    if not sites:
        raise ValidationError({"sites": _("Une ligne couvre au moins un site.")})
    if not line.categories:
        raise ValidationError({"categories": _("Choisissez au moins un horaire couvert.")})
    line.full_clean()
    with transaction.atomic():
        _save(line, actor)
        line.sites.set(sites)
    return line


# --- point weights -----------------------------------------------------------------------------

WEIGHT_FIELDS = (*em.CATEGORIES, "astreinte_percent")


def point_weights_save(*, actor, platform: Platform, values: dict) -> PointWeights:
    """Store the platform's duty points; the year's balances are re-counted with them."""
    _require(actor, "weights_write")
    unknown = set(values) - set(WEIGHT_FIELDS)
    if unknown:
        raise ValidationError(
            {k: _("Pondération inconnue.") for k in sorted(unknown)}  # API callers only
        )
    weights = PointWeights.objects.filter(platform=platform).first()
    weights = weights or PointWeights.defaults(platform)
    for name, value in values.items():
        setattr(weights, name, value)
    weights.full_clean()
    weights._settings = None
    with transaction.atomic():
        _save(weights, actor, "pondérations des gardes")
        first = Rota.objects.filter(platform=platform, status=S.PUBLISHED).order_by("start").first()
        if first is not None:
            point_balances_refresh_from(platform=platform, year=first.start.year)
    return weights


# --- rotas -------------------------------------------------------------------------------------


def rota_create(
    *,
    actor,
    platform: Platform,
    start: dt.date,
    end: dt.date,
    title: str = "",
    quota_source: str = Rota.QuotaSource.TIME_SHARE,
    declared_quotas: dict[str, float] | None = None,
    quota_tolerance: float = 10.0,
    max_consecutive_duties: int = 3,
    max_nights_per_month: int = 8,
    swaps_need_approval: bool = False,
    based_on: Rota | None = None,
) -> Rota:
    """A draft rota over [start, end] with one shift per active line and PDSES period."""
    _require(actor, "rota_manage")
    if end < start:
        raise ValidationError({"end": _("La fin de la période précède son début.")})
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationError({"end": _("Une période couvre au plus un an.")})
    _check_declared_quotas(quota_source, declared_quotas or {}, quota_tolerance)
    lines = list(active_lines(platform.pk))
    if not lines:
        raise ValidationError(_("Aucune ligne de garde active : créez d'abord les lignes."))
    with transaction.atomic():
        rota = Rota(
            platform=platform,
            start=start,
            end=end,
            title=title,
            quota_source=quota_source,
            declared_quotas=declared_quotas or {},
            quota_tolerance=quota_tolerance,
            max_consecutive_duties=max_consecutive_duties,
            max_nights_per_month=max_nights_per_month,
            swaps_need_approval=swaps_need_approval,
            based_on=based_on,
            created_by=actor,
        )
        rota.full_clean()
        _save(rota, actor)
        RotaShift.objects.bulk_create(
            RotaShift(
                rota=rota,
                line_id=int(s.line_id),
                key=s.id,
                date=s.date,
                category=s.category,
                starts_at=timezone.make_aware(s.start),
                ends_at=timezone.make_aware(s.end),
            )
            for s in shifts_for(lines, start, end)
        )
    return rota


def _check_declared_quotas(source: str, quotas: dict[str, float], tolerance: float) -> None:
    """Declared quotas over 100 % (even with the tolerance) or out of [0, 100] are refused
    before anything is written, with the sum in words (the engine would only find out after a
    solve)."""
    if source != Rota.QuotaSource.DECLARED:
        return
    if not quotas:
        raise ValidationError(
            {"declared_quotas": _("Quotas déclarés choisis : indiquez le quota de chaque membre.")}
        )
    bad = [m for m, v in quotas.items() if not 0 <= float(v) <= 100]
    if bad:
        raise ValidationError({"declared_quotas": _("Un quota est un pourcentage entre 0 et 100.")})
    total = sum(float(v) for v in quotas.values())
    slack = float(tolerance) * len(quotas)
    # Under 100 % is legal (members without a declared quota take the rest); over is not.
    if total - slack > 100:
        raise ValidationError(
            {
                "declared_quotas": _(
                    "Les quotas déclarés totalisent %(total)s %% : même avec la tolérance de "
                    "± %(tol)s points par membre, ils dépassent 100 %% des gardes. "
                    "Corrigez-les : rien n'a été créé."
                )
                % {"total": f"{total:g}", "tol": f"{float(tolerance):g}"}
            }
        )


def rota_revise(*, actor, rota: Rota) -> Rota:
    """A new draft of a published rota (after an absence, say): same period and settings; its
    solve keeps as many of the published cells as the rules allow (minimal change)."""
    _require(actor, "rota_manage")
    if rota.status != S.PUBLISHED:
        raise ValidationError(_("Seul un tableau publié peut être révisé."))
    return rota_create(
        actor=actor,
        platform=rota.platform,
        start=rota.start,
        end=rota.end,
        title=rota.title,
        quota_source=rota.quota_source,
        declared_quotas=rota.declared_quotas,
        quota_tolerance=rota.quota_tolerance,
        max_consecutive_duties=rota.max_consecutive_duties,
        max_nights_per_month=rota.max_nights_per_month,
        swaps_need_approval=rota.swaps_need_approval,
        based_on=rota,
    )


def _editable(rota: Rota) -> None:
    if rota.status in (S.PUBLISHED, S.SUPERSEDED):
        raise ValidationError(
            _(
                "Un tableau publié ne se modifie plus : créez-en une révision ou passez par un échange."
            )
        )
    if rota.status == S.SOLVING:
        raise ValidationError(_("Un calcul est en cours sur ce tableau : attendez ou arrêtez-le."))


def rota_cell_lock(
    *,
    actor,
    rota: Rota,
    shift: RotaShift,
    locked: bool,
    expected_version: int,
    practitioner: Practitioner | None = None,
) -> RotaAssignment:
    """Lock (or unlock) a cell so that the next generation keeps it; ``practitioner`` sets who
    holds it (the coordinator's own choice) before locking."""
    _require(actor, "rota_manage")
    _editable(rota)
    if shift.rota_id != rota.pk:
        raise ValidationError(_("Cette garde n'appartient pas à ce tableau."))
    with transaction.atomic():
        _bump(rota, expected_version)
        assignment = RotaAssignment.objects.filter(shift=shift).first()
        if assignment is None:
            if practitioner is None:
                raise ValidationError(_("Choisissez d'abord le praticien de cette garde."))
            assignment = RotaAssignment(shift=shift, practitioner=practitioner)
        elif practitioner is not None:
            assignment.practitioner = practitioner
        assignment.locked = locked
        _save(assignment, actor, "verrouillage" if locked else "déverrouillage")
    return assignment


def rota_solve_start(
    *, actor, rota: Rota, expected_version: int, time_limit: float = 20.0, run_now: bool = False
) -> RotaSolve:
    """Queue a solve of the rota (runs as a background task; its progress is in the row).
    ``run_now`` solves in this process instead (demo loading, management commands)."""
    from .tasks import solve_rota

    _require(actor, "rota_manage")
    _editable(rota)
    with transaction.atomic():
        _bump(rota, expected_version)
        rota.status = S.SOLVING
        rota.explanation = []
        _save(rota, actor, "calcul lancé")
        run = RotaSolve.objects.create(
            rota=rota, time_limit=max(1.0, min(float(time_limit), 600.0)), created_by=actor
        )
    # Outside the transaction: a worker must see the row; the immediate backend runs it now.
    if run_now:
        return rota_solve_run(solve_id=run.pk)
    solve_rota.enqueue(run.pk)
    run.refresh_from_db()
    return run


def rota_solve_stop(*, actor, run: RotaSolve) -> None:
    _require(actor, "rota_manage")
    RotaSolve.objects.filter(pk=run.pk).update(stop_requested=True)


def rota_solve_run(*, solve_id: int, workers: int = 2) -> RotaSolve:
    """Run one queued solve (claimed by a conditional UPDATE so two workers never both run it).

    The solver runs in a thread; this thread writes its progress to the row twice a second and
    turns ``stop_requested`` into the engine's stop event. The best rota found is kept.
    """
    if not RotaSolve.objects.filter(pk=solve_id, status=RotaSolve.Status.QUEUED).update(
        status=RotaSolve.Status.RUNNING
    ):
        return RotaSolve.objects.get(pk=solve_id)
    run = RotaSolve.objects.select_related("rota").get(pk=solve_id)
    rota = run.rota
    try:
        problem = build_problem(rota)
        progress: dict = {}
        stop = threading.Event()
        box: dict = {}

        def on_progress(objective, bound, seconds):
            progress.update(objective=objective, bound=bound, seconds=seconds)
            progress["solutions"] = progress.get("solutions", 0) + 1

        def work():
            try:
                box["result"] = solve(
                    problem,
                    time_limit_s=run.time_limit,
                    workers=workers,
                    on_progress=on_progress,
                    stop_event=stop,
                    explain_seconds=min(10.0, run.time_limit),
                )
            except Exception as exc:  # reported on the page; the rota stays editable
                box["error"] = exc

        started = timezone.now()
        thread = threading.Thread(target=work, name=f"rota-solve-{solve_id}", daemon=True)
        thread.start()
        while thread.is_alive():
            thread.join(0.5)
            elapsed = (timezone.now() - started).total_seconds()
            RotaSolve.objects.filter(pk=solve_id).update(
                seconds=elapsed,
                objective=progress.get("objective"),
                bound=progress.get("bound"),
                solutions=progress.get("solutions", 0),
            )
            if RotaSolve.objects.filter(pk=solve_id, stop_requested=True).exists():
                stop.set()
        if "error" in box:
            raise box["error"]
        return _store_result(run, rota, problem, box["result"], stop.is_set())
    except Exception as exc:
        log.exception("rota solve %s failed", solve_id)
        RotaSolve.objects.filter(pk=solve_id).update(
            status=RotaSolve.Status.FAILED, message=str(exc)[:2000], finished_at=timezone.now()
        )
        Rota.objects.filter(pk=rota.pk, status=S.SOLVING).update(
            status=S.DRAFT, version=F("version") + 1
        )
        return RotaSolve.objects.get(pk=solve_id)


def _store_result(run: RotaSolve, rota: Rota, problem, result: em.RotaResult, stopped: bool):
    with transaction.atomic():
        rota = Rota.objects.select_for_update().get(pk=rota.pk)
        shifts = {s.key: s for s in RotaShift.objects.filter(rota=rota)}
        locked_keys = {a.shift_id for a in problem.locked}
        message = ""
        if result.feasible:
            violations = checker.check_rota(problem, result.assignments)
            if violations:  # never store a rota the independent checker rejects
                raise RuntimeError(
                    "Le vérificateur refuse le tableau du solveur : "
                    + " ; ".join(v.message for v in violations[:5])
                )
            RotaAssignment.objects.filter(shift__rota=rota, locked=False).delete()
            RotaAssignment.objects.bulk_create(
                RotaAssignment(shift=shifts[a.shift_id], practitioner_id=int(a.practitioner_id))
                for a in result.assignments
                if a.shift_id not in locked_keys
            )
            rota.status = S.READY
            rota.explanation = []
            rota.objective, rota.bound = result.objective, result.bound
            rota.spread, rota.gini = result.spread, result.gini
            rota.changed_cells = result.changed_cells
            status = RotaSolve.Status.STOPPED if stopped else RotaSolve.Status.DONE
            message = _("Tableau trouvé (%(status)s).") % {"status": result.status}
        elif result.status == "INFEASIBLE":
            RotaAssignment.objects.filter(shift__rota=rota, locked=False).delete()
            rota.status = S.INFEASIBLE
            rota.explanation = list(result.explanation) or [
                _("Les règles ne peuvent pas être toutes respectées sur cette période.")
            ]
            status = RotaSolve.Status.DONE
            message = _("Aucun tableau ne respecte toutes les règles.")
        else:  # stopped or out of time before a first rota
            rota.status = S.DRAFT
            status = RotaSolve.Status.STOPPED if stopped else RotaSolve.Status.DONE
            message = _(
                "Aucun tableau trouvé avant l'arrêt : relancez avec plus de temps de calcul."
            )
            rota.explanation = [message]
        rota.version += 1
        _save(rota, run.created_by, f"calcul {run.pk} : {result.status}")
        RotaSolve.objects.filter(pk=run.pk).update(
            status=status,
            message=message,
            objective=result.objective,
            bound=result.bound,
            seconds=result.wall_seconds,
            finished_at=timezone.now(),
        )
    run.refresh_from_db()
    return run


def rota_publish(*, actor, rota: Rota, expected_version: int) -> Rota:
    """Publish a solved rota; the published rota it overlaps becomes superseded. A rota without
    solution (or one that breaks a rule since it was computed) is refused, and the published rota
    stays as it is."""
    _require(actor, "rota_manage")
    if rota.status == S.INFEASIBLE:
        raise ValidationError(
            [_("Ce tableau n'a pas de solution : rien n'est publié.")] + list(rota.explanation)
        )
    if rota.status != S.READY:
        raise ValidationError(_("Seul un tableau calculé et prêt peut être publié."))
    problem = build_problem(rota, include_previous=False)
    assignments = current_assignments(rota)
    violations = checker.check_rota(problem, assignments)
    if violations:
        raise ValidationError(
            [_("Le tableau ne respecte plus les règles (données changées depuis le calcul) :")]
            + [v.message for v in violations[:10]]
        )
    with transaction.atomic():
        _bump(rota, expected_version)
        for old in (
            Rota.objects.select_for_update()
            .filter(
                platform=rota.platform, status=S.PUBLISHED, start__lte=rota.end, end__gte=rota.start
            )
            .exclude(pk=rota.pk)
        ):
            old.status = S.SUPERSEDED
            _save(old, actor, f"remplacé par le tableau {rota.pk}")
        rota.status = S.PUBLISHED
        rota.published_at = timezone.now()
        rota.published_by = actor
        _save(rota, actor, "publication")
        point_balances_refresh_from(platform=rota.platform, year=rota.start.year)
    return rota


# --- points ------------------------------------------------------------------------------------


def point_balances_refresh_from(*, platform: Platform, year: int) -> None:
    """Refresh ``year`` and every later year that has published duties or balances, in order:
    each year's carry-over is the balance the year before ends with."""
    last = max(
        [year]
        + [
            r.end.year
            for r in Rota.objects.filter(platform=platform, status=S.PUBLISHED).only("end")
        ]
        + list(
            PointBalance.objects.filter(practitioner__member__platform=platform).values_list(
                "year", flat=True
            )
        )
    )
    for y in range(year, last + 1):
        point_balances_refresh(platform=platform, year=y)


def point_balances_refresh(*, platform: Platform, year: int) -> None:
    """Recompute each practitioner's points of ``year`` from the published rotas, the fair target
    (the year's points shared by working time) and the carry-over from the year before."""
    weights = selectors.point_weights(platform_id=platform.pk)
    earned: dict[int, float] = defaultdict(float)
    for pid, cat, kind in RotaAssignment.objects.filter(
        shift__rota__platform=platform,
        shift__rota__status=S.PUBLISHED,
        shift__date__year=year,
    ).values_list("practitioner_id", "shift__category", "shift__line__kind"):
        earned[pid] += weights.of(cat, kind)
    people = list(
        Practitioner.objects.filter(member__platform=platform)
        .filter(active=True)
        .only("pk", "working_time")
    ) + list(Practitioner.objects.filter(pk__in=earned, active=False).only("pk", "working_time"))
    total = sum(earned.values())
    wt = sum(float(p.working_time) for p in people if p.active) or 1.0
    previous = {
        b.practitioner_id: b.balance
        for b in PointBalance.objects.filter(year=year - 1, practitioner__in=people)
    }
    existing = {
        b.practitioner_id: b
        for b in PointBalance.objects.filter(year=year, practitioner__in=people)
    }
    for p in people:
        b = existing.get(p.pk) or PointBalance(practitioner=p, year=year)
        values = (
            round(previous.get(p.pk, 0.0), 2),
            round(earned.get(p.pk, 0.0), 2),
            round(total * float(p.working_time) / wt, 2) if p.active else 0.0,
        )
        if b.pk and (b.carried_in, b.earned, b.target) == values:
            continue
        b.carried_in, b.earned, b.target = values
        b.save()


# --- wishes ------------------------------------------------------------------------------------


def _check_practitioner_scope(actor, practitioner: Practitioner) -> None:
    _require(actor, "wishes")
    if access.role(actor) in access.MANAGERS:
        return
    own = access.own_practitioner(actor)
    if own is None or own.pk != practitioner.pk:
        raise PermissionDenied(_("Vous ne gérez que vos propres indisponibilités et souhaits."))


def unavailability_create(
    *, actor, practitioner: Practitioner, start: dt.date, end: dt.date, reason: str = "congés"
) -> Unavailability:
    _check_practitioner_scope(actor, practitioner)
    u = Unavailability(practitioner=practitioner, start=start, end=end, reason=reason or "congés")
    if end < start:
        raise ValidationError({"end": _("La fin précède le début.")})
    u.full_clean()
    with transaction.atomic():
        _save(u, actor)
    return u


def unavailability_delete(*, actor, unavailability: Unavailability) -> None:
    _check_practitioner_scope(actor, unavailability.practitioner)
    with transaction.atomic():
        unavailability._history_user = actor
        unavailability.delete()


def preference_create(
    *, actor, practitioner: Practitioner, date: dt.date, weight: int, note: str = ""
) -> Preference:
    _check_practitioner_scope(actor, practitioner)
    p = Preference(practitioner=practitioner, date=date, weight=weight, note=note)
    if weight == 0:
        raise ValidationError({"weight": _("Un souhait est positif ou négatif, pas nul.")})
    p.full_clean()
    with transaction.atomic():
        _save(p, actor)
    return p


def preference_delete(*, actor, preference: Preference) -> None:
    _check_practitioner_scope(actor, preference.practitioner)
    with transaction.atomic():
        preference._history_user = actor
        preference.delete()


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
        _save(swap, actor, "proposition")
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
            _save(swap, actor, "acceptation")
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
        _save(swap, actor, "refus")
    return swap


def swap_cancel(*, actor, swap: SwapRequest) -> SwapRequest:
    if not (_is_party(actor, swap.from_practitioner_id) or access.role(actor) in access.MANAGERS):
        raise PermissionDenied(_("Seul le demandeur peut annuler sa proposition."))
    if swap.status not in (SwapRequest.Status.PROPOSED, SwapRequest.Status.ACCEPTED):
        raise ValidationError(_("Cette proposition n'est plus en attente."))
    swap.status = SwapRequest.Status.CANCELLED
    with transaction.atomic():
        _save(swap, actor, "annulation")
    return swap


def _refuse(swap: SwapRequest, actor, reasons: list[str]):
    swap.status = SwapRequest.Status.REFUSED
    swap.reason = "\n".join(reasons)
    swap.decided_at, swap.decided_by = timezone.now(), actor
    with transaction.atomic():
        _save(swap, actor, "refus automatique : règle non respectée")
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
                _save(b, actor, f"échange {swap.pk}")
            else:
                a.practitioner_id = swap.to_practitioner_id
            _save(a, actor, f"{swap.get_kind_display().lower()} {swap.pk}")
            _bump(swap.rota, None)
            swap.status = SwapRequest.Status.APPLIED
            swap.decided_at, swap.decided_by = timezone.now(), actor
            _save(swap, actor, reason)
    if reasons:
        _refuse(swap, actor, reasons)
    years = [swap.shift.date.year] + ([swap.other_shift.date.year] if swap.other_shift else [])
    point_balances_refresh_from(platform=swap.rota.platform, year=min(years))
    return swap


# --- calendar ----------------------------------------------------------------------------------


def calendar_token_for(*, practitioner: Practitioner) -> CalendarToken:
    token, _created = CalendarToken.objects.get_or_create(practitioner=practitioner)
    return token


def calendar_token_regenerate(*, actor, practitioner: Practitioner) -> CalendarToken:
    token = calendar_token_for(practitioner=practitioner)
    token.token = new_token()
    with transaction.atomic():
        _save(token, actor, "nouveau lien d'agenda")
    return token
