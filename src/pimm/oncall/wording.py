"""A rota computation said in a coordinator's words ("tableau optimal trouvé", "meilleur tableau
trouvé en 20 s, à 2 % de l'optimum") rather than the solver's codes and figures."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from pimm.oncall.models import RotaSolve

OPTIMAL_GAP_PERCENT = 0.05  # below this the remaining gap is rounding, not a better rota


def _seconds(value: float) -> str:
    return number_format(round(value or 0.0), 0)


def solve_verdict(solve: RotaSolve) -> str:
    """One sentence: what the last computation found."""
    S = RotaSolve.Status
    if solve.running:
        return _("Calcul en cours…")
    if solve.status == S.FAILED:
        return _("Le calcul a échoué : %(reason)s") % {"reason": solve.message or "—"}
    if solve.objective is None:
        return _(solve.message) if solve.message else _("Aucun tableau trouvé.")
    gap = solve.gap_percent
    figures = {"seconds": _seconds(solve.seconds)}
    if gap is None:  # no proven bound: say nothing of the optimum
        return _("Tableau trouvé en %(seconds)s s (écart à l'optimum non prouvé).") % figures
    if gap is not None and gap <= OPTIMAL_GAP_PERCENT:
        return _("Tableau optimal trouvé en %(seconds)s s.") % figures
    figures["gap"] = number_format(gap if gap is not None else 0.0, 1)
    if solve.status == S.STOPPED:
        return (
            _(
                "Calcul arrêté : meilleur tableau trouvé en %(seconds)s s, à %(gap)s %% de l'optimum."
            )
            % figures
        )
    return _("Meilleur tableau trouvé en %(seconds)s s, à %(gap)s %% de l'optimum.") % figures
