"""Rotas: create, revise, lock cells, solve (in a background task) and publish."""

from __future__ import annotations

import datetime as dt
import threading

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pimm.accounts import engine_text
from pimm.accounts.lifecycle import can_move
from pimm.engine.i18n import as_record, gettext_noop
from pimm.engine.rota import checker
from pimm.engine.rota import model as em
from pimm.engine.rota.solver import solve
from pimm.registry.models import Platform, Practitioner

from ..adapter import active_lines, build_problem, current_assignments, shifts_for
from ..models import (
    Rota,
    RotaAssignment,
    RotaShift,
    RotaSolve,
)
from ._base import MAX_DAYS, S, _bump, _require, _save, log
from .points import point_balances_refresh_from
from .wishes import unavailability_create

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


def rota_revise_for_absence(
    *,
    actor,
    rota: Rota,
    practitioner: Practitioner,
    start: dt.date,
    end: dt.date,
    reason: str = "absence",
    time_limit: float = 20.0,
) -> Rota:
    """ "Réviser": record the practitioner's absence, create the revision of the published rota
    and start its solve, which keeps as many published duties as the rules allow."""
    _require(actor, "rota_manage")
    if rota.status != S.PUBLISHED:
        raise ValidationError(_("Seul un tableau publié peut être révisé."))
    with transaction.atomic():
        unavailability_create(
            actor=actor, practitioner=practitioner, start=start, end=end, reason=reason
        )
        new = rota_revise(actor=actor, rota=rota)
    rota_solve_start(actor=actor, rota=new, expected_version=new.version, time_limit=time_limit)
    new.refresh_from_db()
    return new


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
        _save(
            assignment,
            actor,
            gettext_noop("verrouillage") if locked else gettext_noop("déverrouillage"),
        )
    return assignment


def rota_solve_start(
    *, actor, rota: Rota, expected_version: int, time_limit: float = 20.0, run_now: bool = False
) -> RotaSolve:
    """Queue a solve of the rota (runs as a background task; its progress is in the row).
    ``run_now`` solves in this process instead (demo loading, management commands)."""
    from ..tasks import solve_rota  # noqa: PLC0415 — tasks import services

    _require(actor, "rota_manage")
    _editable(rota)
    with transaction.atomic():
        _bump(rota, expected_version)
        rota.status = S.SOLVING
        rota.explanation = []
        _save(rota, actor, gettext_noop("calcul lancé"))
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
            message = (
                gettext_noop("Tableau optimal trouvé.")
                if result.status == "OPTIMAL"
                else gettext_noop("Meilleur tableau trouvé dans le temps de calcul.")
            )
        elif result.status == "INFEASIBLE":
            RotaAssignment.objects.filter(shift__rota=rota, locked=False).delete()
            rota.status = S.FAILED
            # kept as records (msgid and parameters) so each reader sees them in their language
            rota.explanation = [as_record(x) for x in result.explanation] or [
                _("Les règles ne peuvent pas être toutes respectées sur cette période.")
            ]
            status = RotaSolve.Status.DONE
            message = gettext_noop("Aucun tableau ne respecte toutes les règles.")
        else:  # stopped or out of time before a first rota
            rota.status = S.DRAFT
            status = RotaSolve.Status.STOPPED if stopped else RotaSolve.Status.DONE
            message = gettext_noop(
                "Aucun tableau trouvé avant l'arrêt : relancez avec plus de temps de calcul."
            )
            rota.explanation = [message]
        rota.version += 1
        _save(
            rota,
            run.created_by,
            gettext_noop("calcul %(n)s : %(verdict)s", n=run.pk, verdict=message),
        )
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
    if rota.status == S.FAILED:
        raise ValidationError(
            [_("Ce tableau n'a pas de solution : rien n'est publié.")]
            + [engine_text.translate(x) for x in rota.explanation]
        )
    if not can_move(rota.status, S.PUBLISHED):
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
            _save(old, actor, gettext_noop("remplacé par le tableau %(n)s", n=rota.pk))
        rota.status = S.PUBLISHED
        rota.published_at = timezone.now()
        rota.published_by = actor
        _save(rota, actor, gettext_noop("publication"))
        point_balances_refresh_from(platform=rota.platform, year=rota.start.year)
    return rota
