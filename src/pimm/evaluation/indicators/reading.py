"""Reading: turnaround per priority class and internal tele-imaging between members (worklist)."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext_lazy as _

from pimm.registry import selectors as registry
from pimm.worklist import selectors as worklist

from .base import Context, Indicator, Missing, Row, local_start, month_key, pct, register

NO_EXAM = _("Aucun examen signé sur la période.")


def turnaround(ctx: Context):
    stats = worklist.turnaround_stats(
        start=local_start(ctx.start),
        end=local_start(ctx.end),
        member_id=ctx.member_id,
        site_id=ctx.site_id,
    )
    if not stats:
        return Missing(str(NO_EXAM))
    signed: dict[str, int] = defaultdict(int)
    within: dict[str, int] = defaultdict(int)
    out = []
    for s in stats:
        key = month_key(s.month)
        signed[key] += s.signed
        within[key] += s.within_target
        out.append(Row(key, s.mean_minutes, "class", f"{s.label} — {_('délai moyen (min)')}"))
        out.append(
            Row(
                key,
                pct(s.within_target, s.signed),
                "class",
                f"{s.label} — {_('dans la cible (%)')}",
            )
        )
    return [Row(k, pct(within[k], signed[k])) for k in sorted(signed)] + out


def teleimaging(ctx: Context):
    stats = worklist.read_elsewhere_stats(
        start=local_start(ctx.start),
        end=local_start(ctx.end),
        member_id=ctx.member_id,
        site_id=ctx.site_id,
    )
    if not stats:
        return Missing(
            str(
                _("Aucun examen d'un membre lu par un radiologue d'un autre membre sur la période.")
            )
        )
    names = {m.pk: m.code for m in registry.members()}
    total: dict[str, int] = defaultdict(int)
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for s in stats:
        key = month_key(s.month)
        total[key] += s.count
        pairs[(key, f"{names.get(s.member_id, '?')} → {names.get(s.reader_member_id, '?')}")] += (
            s.count
        )
    return [Row(k, total[k]) for k in sorted(total)] + [
        Row(k, n, "pair", label) for (k, label), n in sorted(pairs.items())
    ]


_SOURCE = _("Liste de travail : examens signés, lecteur, classe de priorité")
register(
    Indicator(
        code="turnaround",
        aggregate="mean",
        family="lecture",
        name=_("Délai d'interprétation par classe de priorité"),
        formula=_(
            "images disponibles → compte rendu signé, par mois et par classe : délai moyen "
            "et part dans le délai cible de la classe ; total : part dans la cible"
        ),
        source=_SOURCE,
        unit="%",
        limits=_("Examens signés seulement ; la moyenne est sensible aux valeurs extrêmes."),
        compute=turnaround,
        criterion="means",
    )
)
register(
    Indicator(
        code="teleimaging",
        aggregate="sum",
        family="lecture",
        name=_("Télé-imagerie interne entre membres"),
        formula=_(
            "examens signés par un radiologue d'un autre membre que celui de l'examen, par "
            "mois et par couple de membres (demandeur → lecteur)"
        ),
        source=_SOURCE,
        unit=_("examens"),
        limits=_("Compte le lecteur signataire, pas les lectures partielles."),
        compute=teleimaging,
        criterion="cooperation",
    )
)
