"""Equipment time: emergency and PDSES slots offered and used, specialised slots offered and
used, device utilisation, waiting time to the third next available slot (planning room)."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pimm.planning import selectors as planning
from pimm.registry import selectors as registry

from .base import Context, Indicator, Missing, Row, month_key, pct, register

NO_PLAN = _("Aucun plan de vacations publié sur la période : pas de plages offertes.")
PURPOSE_LABELS = {
    "paediatric": _("pédiatrie"),
    "disability": _("handicap"),
    "neuro": _("neuroradiologie"),
    "screening": _("dépistage"),
}


def _stats(ctx: Context):
    return ctx.once(
        "slot_stats",
        lambda: planning.slot_stats(
            start=ctx.start, end=ctx.end, member_id=ctx.member_id, site_id=ctx.site_id
        ),
    )


def _months_with(ctx: Context, stats) -> list[str]:
    """The months that have published slots: a month without any shows no figure, not zero."""
    have = {month_key(s.month) for s in stats}
    return [k for k in ctx.months() if k in have]


def emergency_slots(ctx: Context):
    stats = _stats(ctx)
    if not stats:
        return Missing(str(NO_PLAN))
    acc: dict[tuple[str, str], int] = defaultdict(int)
    for s in stats:
        if s.purpose != "emergency":
            continue
        key = month_key(s.month)
        acc[(key, "offered")] += s.count
        acc[(key, "used")] += s.count if s.booked else 0
        if s.pdses:
            acc[(key, "pdses_offered")] += s.count
            acc[(key, "pdses_used")] += s.count if s.booked else 0
    labels = {
        "offered": _("offertes"),
        "used": _("utilisées"),
        "pdses_offered": _("offertes en PDSES"),
        "pdses_used": _("utilisées en PDSES"),
    }
    out = []
    for key in _months_with(ctx, stats):
        out.append(Row(key, acc.get((key, "offered"), 0)))
        out += [Row(key, acc.get((key, s), 0), "series", str(lab)) for s, lab in labels.items()]
    return out


def specialised_slots(ctx: Context):
    stats = _stats(ctx)
    if not stats:
        return Missing(str(NO_PLAN))
    acc: dict[tuple[str, str, bool], int] = defaultdict(int)
    for s in stats:
        if s.purpose in PURPOSE_LABELS:
            acc[(month_key(s.month), s.purpose, False)] += s.count
            if s.booked:
                acc[(month_key(s.month), s.purpose, True)] += s.count
    out = []
    for key in _months_with(ctx, stats):
        out.append(Row(key, sum(v for (k, _p, used), v in acc.items() if k == key and not used)))
        for p, lab in PURPOSE_LABELS.items():
            out.append(Row(key, acc.get((key, p, False), 0), "series", f"{lab} — {_('offertes')}"))
            out.append(Row(key, acc.get((key, p, True), 0), "series", f"{lab} — {_('utilisées')}"))
    return out


def utilisation(ctx: Context):
    stats = _stats(ctx)
    if not stats:
        return Missing(str(NO_PLAN))
    names = {s.pk: s.name for s in registry.sites_of(platform_id=ctx.platform_id)}
    offered: dict[tuple[str, str], float] = defaultdict(float)
    booked: dict[tuple[str, str], float] = defaultdict(float)
    for s in stats:
        for dim in ("", names.get(s.site_id, "?")):
            offered[(month_key(s.month), dim)] += s.minutes
            if s.booked:
                booked[(month_key(s.month), dim)] += s.minutes
    out = []
    for key in _months_with(ctx, stats):
        out.append(Row(key, pct(booked[(key, "")], offered[(key, "")])))
        for site in sorted({d for (k, d) in offered if k == key and d}):
            out.append(Row(key, pct(booked[(key, site)], offered[(key, site)]), "site", site))
    return out


def third_next(ctx: Context):
    if ctx.end <= ctx.today:
        return Missing(
            str(_("Mesure instantanée : elle n'est connue que pour la période en cours."))
        )
    now = timezone.now()
    modalities = sorted(
        {e.modality for e in registry.active_equipment(platform_id=ctx.platform_id)}
    )
    key = month_key(timezone.localdate())
    rows = [(m, planning.third_next_available(modality=m, now=now)) for m in modalities]
    known = [v for _m, v in rows if v is not None]
    if not known:
        return Missing(str(_("Pas trois plages libres publiées dans les 90 jours à venir.")))
    return [Row(key, max(known))] + [Row(key, v, "modality", m) for m, v in rows if v is not None]


_SOURCE = _("Planning : plages des plans de vacations publiés et leurs rendez-vous")
register(
    Indicator(
        code="emergency_slots",
        aggregate="sum",
        family="plages",
        name=_("Plages d'urgence offertes et utilisées, dont PDSES"),
        formula=_(
            "plages ouvertes de finalité « urgence » des plans publiés, par mois ; "
            "utilisées : tenues par un rendez-vous ; PDSES : en horaires de PDSES"
        ),
        source=_SOURCE,
        unit=_("plages"),
        limits=_("Les plages fermées (fermeture, maintenance) ne comptent pas comme offertes."),
        compute=emergency_slots,
        criterion="socle",
    )
)
register(
    Indicator(
        code="specialised_slots",
        aggregate="sum",
        family="plages",
        name=_("Plages spécialisées offertes et utilisées"),
        formula=_(
            "plages ouvertes de finalité pédiatrie, handicap, neuroradiologie ou dépistage, "
            "par mois ; utilisées : tenues par un rendez-vous"
        ),
        source=_SOURCE,
        unit=_("plages"),
        limits=_(
            "Une plage spécialisée libérée puis prise par un examen courant compte comme utilisée."
        ),
        compute=specialised_slots,
        criterion="optional",
    )
)
register(
    Indicator(
        code="utilisation",
        aggregate="mean",
        family="plages",
        name=_("Taux d'utilisation des équipements"),
        formula=_("minutes de plages réservées ÷ minutes de plages ouvertes, par mois et par site"),
        source=_SOURCE,
        unit="%",
        limits=_("Mesure la réservation, pas la réalisation de l'examen."),
        compute=utilisation,
        criterion="means",
    )
)
register(
    Indicator(
        code="third_next",
        family="plages",
        name=_("Délai jusqu'au troisième rendez-vous disponible"),
        formula=_(
            "jours entre maintenant et la troisième plage libre qu'un examen programmé "
            "sans besoin spécialisé peut prendre, par modalité ; total : le plus long"
        ),
        source=_SOURCE,
        unit=_("jours"),
        limits=_("Mesure instantanée (aujourd'hui), sans historique ; horizon de 90 jours."),
        compute=third_next,
        criterion="coverage",
        higher_is_better=False,
    )
)
