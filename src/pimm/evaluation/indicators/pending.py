"""Indicators whose data is not in pimm yet: each shows as missing, with its reason. When the
room that holds the data lands (interop: doses; ledger: money; worklist: changed orders), its
entry here becomes a compute function over that room's selectors."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import Indicator, Missing, register


def _missing(reason):
    def compute(ctx):
        return Missing(str(reason))

    return compute


register(
    Indicator(
        code="doses_above_nrd",
        family="qualité",
        name=_("Examens au-dessus des niveaux de référence diagnostiques (NRD)"),
        formula=_(
            "examens dont l'indice de dose (IDSV, PDL) dépasse le NRD de l'acte ÷ examens "
            "avec une dose relevée, par mois et par modalité"
        ),
        source=_("Interopérabilité : doses des MPPS / rapports de dose ; NRD (arrêté en vigueur)"),
        unit="%",
        limits=_("Examens avec une dose transmise seulement."),
        compute=_missing(
            _(
                "Les doses ne sont pas encore reçues : le module d'interopérabilité "
                "(MPPS, rapports de dose) n'est pas installé."
            )
        ),
        criterion="socle",
        higher_is_better=False,
    )
)
register(
    Indicator(
        code="appropriateness",
        family="qualité",
        name=_("Pertinence : demandes modifiées ou refusées"),
        formula=_(
            "demandes d'examen modifiées ou refusées après avis du radiologue ÷ demandes, par mois"
        ),
        source=_("Liste de travail : avis de pertinence sur les demandes"),
        unit="%",
        limits=_("Ne mesure que les avis enregistrés dans pimm."),
        compute=_missing(
            _(
                "pimm n'enregistre pas encore l'avis de pertinence sur une demande "
                "(modifiée ou refusée)."
            )
        ),
        criterion="socle",
    )
)
register(
    Indicator(
        code="financial_balance",
        family="finances",
        name=_("Équilibre financier de chaque membre et de la plateforme"),
        formula=_(
            "recettes − charges réparties selon les clés de la convention, par membre et pour "
            "la plateforme, par mois"
        ),
        source=_("Comptabilité : actes, forfaits, charges, clés de répartition"),
        unit="€",
        limits=_("Selon les clés de répartition en vigueur."),
        compute=_missing(
            _(
                "Les actes et les charges ne sont pas encore tenus : le module "
                "comptable (ledger) n'est pas installé."
            )
        ),
        criterion="financing",
    )
)
