"""The financing model: each member's financial balance in the cooperation and the platform's,
per month, read from the ledger (``ledger.selectors.monthly_balances``)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from pimm.ledger import selectors as ledger

from .base import Context, Indicator, Missing, Row, month_key, register


def financial_balance(ctx: Context):
    months = ledger.monthly_balances(
        platform_id=ctx.platform_id, start=ctx.start, end=ctx.end, member_id=ctx.member_id
    )
    if not months:
        return Missing(str(_("Aucune écriture comptable sur la période.")))
    total: dict[str, Decimal] = defaultdict(Decimal)
    parts: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    members = []
    for mm in months:
        key = month_key(mm.month)
        total[key] += mm.result
        parts[(key, str(_("produit de l'activité")))] += mm.produced
        parts[(key, str(_("quote-part des recettes")))] += mm.owed
        parts[(key, str(_("quote-part des charges")))] += mm.owes
        members.append(Row(key, float(mm.result), "member", mm.member_name))
    return (
        [Row(k, float(total[k])) for k in sorted(total)]
        + [Row(k, float(v), "series", label) for (k, label), v in sorted(parts.items())]
        + members
    )


register(
    Indicator(
        code="financial_balance",
        filters=frozenset({"member"}),  # the ledger is kept per member, not per site
        aggregate="sum",
        family="finances",
        name=_("Équilibre financier de chaque membre et de la plateforme"),
        formula=_(
            "produit de l'activité (actes, forfaits techniques, suppléments, dépassements) + "
            "quote-part des recettes − quote-part des charges réparties selon les clés de la "
            "convention, par membre et pour la plateforme (somme des membres), par mois"
        ),
        source=_("Comptabilité : actes, forfaits, charges, recettes, clés de répartition"),
        unit="€",
        limits=_(
            "Selon les clés de répartition en vigueur ; un mois non clos est provisoire "
            "(ses charges peuvent ne pas être encore saisies ni réparties)."
        ),
        compute=financial_balance,
        criterion="financing",
    )
)
