"""The pooled PDSES: on-call lines pooled between members and their fill rate, and the spread of
the on-call load (Gini) by practitioner and by member, public versus private (duty room)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils.translation import gettext_lazy as _

from pimm.oncall import selectors as oncall

from .base import Context, Indicator, Missing, Row, gini, month_key, pct, register

NO_ROTA = _("Aucun tableau de garde publié sur la période.")
PUBLIC_KINDS = frozenset({"public_hospital", "army_hospital"})


def _month_bounds(key: str) -> tuple[dt.date, dt.date]:
    y, m = int(key[:4]), int(key[5:])
    return dt.date(y, m, 1), dt.date(y + (m == 12), 1 if m == 12 else m + 1, 1)


def pooled_lines(ctx: Context):
    lines = [
        ln
        for ln in oncall.lines_of(platform_id=ctx.platform_id, start=ctx.start, end=ctx.end)
        if ln.active
    ]
    if not lines:
        return Missing(str(_("Aucune ligne de garde ou d'astreinte n'est définie.")))
    key = ""
    pooled = [ln for ln in lines if ln.pooled]
    return [
        Row(key, len(pooled)),
        Row(key, len(lines), "series", str(_("lignes actives"))),
        Row(key, pct(len(pooled), len(lines)), "series", str(_("part des lignes mutualisées (%)"))),
    ] + [Row(key, len(ln.site_member_ids | ln.holder_member_ids), "line", ln.code) for ln in pooled]


def fill_rate(ctx: Context):
    stats = oncall.shift_stats(platform_id=ctx.platform_id, start=ctx.start, end=ctx.end)
    if not stats:
        return Missing(str(NO_ROTA))
    codes = {
        ln.pk: ln.code
        for ln in oncall.lines_of(platform_id=ctx.platform_id, start=ctx.start, end=ctx.start)
    }
    shifts: dict[tuple[str, str], int] = defaultdict(int)
    filled: dict[tuple[str, str], int] = defaultdict(int)
    for s in stats:
        for dim in ("", codes.get(s.line_id, "?")):
            shifts[(month_key(s.month), dim)] += s.shifts
            filled[(month_key(s.month), dim)] += s.filled
    out = []
    for key in ctx.months():
        if not shifts.get((key, "")):
            continue
        out.append(Row(key, pct(filled[(key, "")], shifts[(key, "")])))
        for code in sorted({d for (k, d) in shifts if k == key and d}):
            out.append(Row(key, pct(filled[(key, code)], shifts[(key, code)]), "line", code))
    return out


def load_spread(ctx: Context):
    """Per month: Gini of points per FTE between practitioners (total), between members, and the
    public share of the points against the public share of working time."""
    out = []
    for key in ctx.months():
        lo, hi = _month_bounds(key)
        loads = oncall.duty_loads(
            platform_id=ctx.platform_id,
            start=max(lo, ctx.start),
            end=min(hi, ctx.end),
            member_id=ctx.member_id,
        )
        if not any(d.duties for d in loads):
            continue
        out.append(Row(key, gini([d.per_fte for d in loads if d.working_time])))
        by_member_pts: dict[str, float] = defaultdict(float)
        by_member_fte: dict[str, float] = defaultdict(float)
        for d in loads:
            by_member_pts[d.member_name] += d.points
            by_member_fte[d.member_name] += d.working_time
        out.append(
            Row(
                key,
                gini(
                    [by_member_pts[m] / by_member_fte[m] for m in by_member_pts if by_member_fte[m]]
                ),
                "series",
                str(_("entre membres")),
            )
        )
        total_pts = sum(d.points for d in loads)
        total_fte = sum(d.working_time for d in loads)
        pub_pts = sum(d.points for d in loads if d.member_kind in PUBLIC_KINDS)
        pub_fte = sum(d.working_time for d in loads if d.member_kind in PUBLIC_KINDS)
        out.append(
            Row(key, pct(pub_pts, total_pts), "series", str(_("part publique des points (%)")))
        )
        out.append(
            Row(
                key,
                pct(pub_fte, total_fte),
                "series",
                str(_("part publique du temps de travail (%)")),
            )
        )
        for m in sorted(by_member_pts):
            out.append(
                Row(
                    key,
                    round(by_member_pts[m] / by_member_fte[m], 2) if by_member_fte[m] else None,
                    "member",
                    m,
                )
            )
    if not out:
        return Missing(str(NO_ROTA))
    return out


_SOURCE = _("Gardes : lignes, tableaux publiés, affectations, points des gardes")
register(
    Indicator(
        code="pooled_lines",
        family="pdses",
        name=_("Lignes de garde et d'astreinte mutualisées"),
        formula=_(
            "lignes actives couvrant des sites de plusieurs membres ou tenues par des "
            "radiologues de plusieurs membres sur la période"
        ),
        source=_SOURCE,
        unit=_("lignes"),
        limits=_("État à la date du calcul (les lignes ne sont pas historisées par période)."),
        compute=pooled_lines,
        criterion="cooperation",
    )
)
register(
    Indicator(
        code="fill_rate",
        aggregate="mean",
        family="pdses",
        name=_("Taux de remplissage des lignes de PDSES"),
        formula=_("gardes pourvues ÷ gardes des tableaux publiés, par mois et par ligne"),
        source=_SOURCE,
        unit="%",
        limits=_("Seuls les tableaux publiés comptent ; un échange validé est déjà reporté."),
        compute=fill_rate,
        criterion="socle",
    )
)
register(
    Indicator(
        code="load_spread",
        aggregate="mean",
        family="pdses",
        name=_("Répartition de la charge de PDSES (indice de Gini)"),
        formula=_(
            "indice de Gini des points de garde par ETP entre radiologues (total) et entre "
            "membres ; part publique des points face à la part publique du temps de travail"
        ),
        source=_SOURCE,
        unit=_("indice (0 = égal)"),
        limits=_("Points selon la pondération de la plateforme ; radiologues actifs seulement."),
        compute=load_spread,
        criterion="socle",
        higher_is_better=False,
    )
)
