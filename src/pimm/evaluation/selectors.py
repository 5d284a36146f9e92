"""Reads of the evaluation room: periods, indicators computed for a period, commitments' status,
the ARS scorecard, the dossier's checklist, and what the coordinator's cockpit shows
(`attention`, `headline`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pimm.evaluation import access
from pimm.evaluation import models as ev
from pimm.evaluation.indicators import REGISTRY, Context, Indicator, Missing, Result
from pimm.registry import selectors as registry


def platform():
    return registry.current_platform()


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Period:
    year: int  # year of authorisation, 1..7 (0: a free period)
    start: dt.date
    end: dt.date  # excluded

    def closed(self, today: dt.date) -> bool:
        return self.end <= today

    @property
    def label(self) -> str:
        last = self.end - dt.timedelta(days=1)
        prefix = _("Année %(n)s") % {"n": self.year} + " : " if self.year else ""
        return f"{prefix}{self.start:%d/%m/%Y} – {last:%d/%m/%Y}"


def authorisation_years(p) -> list[Period]:
    """Year k runs up to the k-th report due date of the registry (each anniversary)."""
    ends = p.annual_report_due_dates()
    starts = [p.authorized_on, *ends[:-1]]
    return [Period(k + 1, a, b) for k, (a, b) in enumerate(zip(starts, ends, strict=True))]


def authorisation_year(p, year: int) -> Period:
    return authorisation_years(p)[year - 1]


def current_year(p, today: dt.date) -> Period:
    for period in authorisation_years(p):
        if period.start <= today < period.end:
            return period
    return authorisation_years(p)[-1 if today >= p.authorized_on else 0]


def context(p, start: dt.date, end: dt.date, *, today=None, member_id=None, site_id=None):
    return Context(
        platform_id=p.pk,
        start=start,
        end=end,
        today=today or timezone.localdate(),
        member_id=member_id,
        site_id=site_id,
    )


@dataclass
class Computed:
    indicator: Indicator
    result: Result
    headline: float | None

    @property
    def missing(self) -> bool:
        return isinstance(self.result, Missing)


def compute(code: str, ctx: Context) -> Computed:
    ind = REGISTRY[code]
    result = ind.compute(ctx)
    return Computed(ind, result, ind.headline(result))


def compute_all(ctx: Context) -> list[Computed]:
    return [compute(code, ctx) for code in REGISTRY]


# -- commitments -------------------------------------------------------------------------------

STATUS_LABELS = {
    "met": gettext_lazy("atteint"),
    "behind": gettext_lazy("en retard sur la cible"),
    "missing": gettext_lazy("non mesuré"),
    "no_target": gettext_lazy("sans cible chiffrée"),
}


@dataclass
class CommitmentStatus:
    commitment: ev.Commitment
    status: str
    value: float | None
    source: str  # the indicator's name or "preuves"
    reason: str = ""
    evidence_count: int = 0

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])


def commitment_status(
    c: ev.Commitment, today: dt.date, memo: dict | None = None
) -> CommitmentStatus:
    end = min(c.period_end + dt.timedelta(days=1), today + dt.timedelta(days=1))
    start = c.period_start
    evidence = c.evidence.filter(date__gte=start, date__lt=end).aggregate(n=Sum("count"))["n"]
    codes = [code for code in (c.indicators or []) if code in REGISTRY]
    if codes:
        ctx = Context(c.platform_id, start, max(end, start + dt.timedelta(days=1)), today)
        if memo is not None:
            ctx.memo.update(memo.setdefault((start, end), {}))
        done = compute(codes[0], ctx)
        if memo is not None:
            memo[(start, end)].update(ctx.memo)
        if done.missing:
            return CommitmentStatus(
                c, "missing", None, str(done.indicator.name), done.result.reason, evidence or 0
            )
        value, source = done.headline, str(done.indicator.name)
    else:
        value, source = (float(evidence) if evidence is not None else None), _("preuves")
        if value is None:
            return CommitmentStatus(c, "missing", None, source, _("Aucune preuve saisie."), 0)
    if c.target_value is None or value is None:
        return CommitmentStatus(c, "no_target", value, source, "", evidence or 0)
    target = float(c.target_value)
    ok = value >= target if c.higher_is_better else value <= target
    return CommitmentStatus(c, "met" if ok else "behind", value, source, "", evidence or 0)


def commitments_for(user, *, kind: str | None = None):
    qs = access.visible(user, ev.Commitment).select_related("owner").order_by("kind", "topic", "pk")
    return qs.filter(kind=kind) if kind else qs


def statuses(commitments, today: dt.date) -> list[CommitmentStatus]:
    memo: dict = {}
    return [commitment_status(c, today, memo) for c in commitments]


def evidence_for(user, *, commitment=None):
    qs = access.visible(user, ev.Evidence).select_related("commitment", "member")
    return qs.filter(commitment=commitment) if commitment is not None else qs


# -- the six ARS selection criteria ------------------------------------------------------------

CRITERIA = (
    (
        "coverage",
        gettext_lazy("Couverture du PIMM en termes de zone géographique et d'équipements"),
    ),
    ("cooperation", gettext_lazy("Dimension coopérative du projet (notamment public/privé)")),
    ("socle", gettext_lazy("Respect des engagements socles")),
    ("optional", gettext_lazy("Respect des engagements optionnels")),
    ("means", gettext_lazy("Respect des engagements sur les moyens humains et matériels")),
    ("financing", gettext_lazy("Modèle de financement")),
)


@dataclass
class CriterionLine:
    code: str
    title: str
    indicators: list[Computed] = field(default_factory=list)
    commitments: list[CommitmentStatus] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)  # from the registry


def _members_facts(p) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    members = list(registry.members().filter(platform_id=p.pk))
    public = [m for m in members if m.kind in ("public_hospital", "army_hospital")]
    devices = list(registry.active_equipment(platform_id=p.pk))
    people = list(registry.active_practitioners(platform_id=p.pk))
    fte = sum(float(x.working_time) for x in people)
    tech = sum(registry.technologist_fte_by_site(platform_id=p.pk).values())
    cooperation = [
        (_("Membres"), str(len(members))),
        (_("dont publics"), str(len(public))),
        (_("dont privés"), str(len(members) - len(public))),
    ]
    means = [
        (_("Équipements lourds en service"), str(len(devices))),
        (_("Radiologues actifs (ETP)"), f"{len(people)} ({fte:.1f})"),
        (_("Manipulateurs (ETP)"), f"{tech:.1f}"),
    ]
    return cooperation, means


def scorecard(ctx: Context, p, today: dt.date) -> list[CriterionLine]:
    lines = {code: CriterionLine(code, str(title)) for code, title in CRITERIA}
    for done in compute_all(ctx):
        lines[done.indicator.criterion].indicators.append(done)
    commitments = ev.Commitment.objects.filter(platform_id=p.pk).select_related("owner")
    for st in statuses(commitments, today):
        lines["socle" if st.commitment.kind == ev.Kind.SOCLE else "optional"].commitments.append(st)
    cooperation, means = _members_facts(p)
    lines["cooperation"].facts = cooperation
    lines["means"].facts = means
    keys = registry.sharing_keys_on(platform_id=p.pk, day=today)
    lines["financing"].facts = [
        (
            k.member.name,
            f"{_('temps')} {k.time_share} % · {_('recettes')} {k.revenue_share} % · "
            f"{_('charges')} {k.cost_share} %",
        )
        for k in keys
    ] or [(_("Clés de répartition"), _("aucune convention en vigueur"))]
    return [lines[code] for code, _t in CRITERIA]


# -- the dossier's annexes -------------------------------------------------------------------


@dataclass(frozen=True)
class AnnexLine:
    kind: str
    label: str
    member: str
    present: bool


def annex_checklist(p) -> list[AnnexLine]:
    have = {(a.kind, a.member_id) for a in ev.Annex.objects.filter(platform_id=p.pk)}
    members = list(registry.members().filter(platform_id=p.pk))
    out = []
    for kind in ev.AnnexKind:
        if kind in ev.PER_MEMBER_ANNEXES:
            targets = members
            if kind == ev.AnnexKind.TEAM_PROJECT:  # the medical teams joining as such
                targets = [m for m in members if m.kind == "private_group"]
            out += [AnnexLine(kind, kind.label, m.name, (kind, m.pk) in have) for m in targets]
        else:  # the amendment is asked when the carrier pre-exists (§4): the registry cannot say
            out.append(AnnexLine(kind, kind.label, "", any(k == kind for k, _m in have)))
    return out


# -- for the coordinator's cockpit (wired by the dashboard) ------------------------------------


def attention(user, today: dt.date) -> list[dict]:
    """What needs the coordinator today: reports due (the year's progress report not generated
    in the last two months of the authorisation year or after it) and commitments behind
    target. Each item: {"label", "count", "url", "level"}."""
    if not access.can(user, "view"):
        return []
    p = platform()
    if p is None:
        return []
    out = []
    year = current_year(p, today)
    previous = authorisation_year(p, year.year - 1) if year.year > 1 else None
    for period in (previous, year):
        if period is None or today < (period.end - dt.timedelta(days=60)):
            continue
        generated = ev.Report.objects.filter(
            draft__platform_id=p.pk,
            draft__kind=ev.ReportKind.ANNUAL,
            draft__year=period.year,
            status__in=("ready", "published"),
            provisional=False,
        ).exists()
        if not generated:
            out.append(
                {
                    "label": _("Rapport d'étape de l'année %(n)s à remettre à l'ARS")
                    % {"n": period.year},
                    "count": 1,
                    "url": reverse("evaluation:reports"),
                    "level": "error" if period.closed(today) else "warning",
                }
            )
    behind = [
        s
        for s in statuses(ev.Commitment.objects.filter(platform_id=p.pk), today)
        if s.status == "behind"
    ]
    if behind:
        out.append(
            {
                "label": _("Engagements en retard sur leur cible"),
                "count": len(behind),
                "url": reverse("evaluation:commitments"),
                "level": "warning",
            }
        )
    return out


HEADLINE_CODES = (
    "coverage",
    "emergency_slots",
    "fill_rate",
    "load_spread",
    "turnaround",
    "teleimaging",
)


def headline(user) -> list[dict]:
    """The cockpit's headline indicators over the current authorisation year so far: each
    {"code", "name", "value", "unit", "missing", "url"} (value None and the reason when missing)."""
    if not access.can(user, "view"):
        return []
    p = platform()
    if p is None:
        return []
    today = timezone.localdate()
    year = current_year(p, today)
    ctx = context(p, year.start, min(year.end, today + dt.timedelta(days=1)), today=today)
    out = []
    for code in HEADLINE_CODES:
        done = compute(code, ctx)
        out.append(
            {
                "code": code,
                "name": str(done.indicator.name),
                "value": done.headline,
                "unit": str(done.indicator.unit),
                "missing": done.result.reason if done.missing else "",
                "url": reverse("evaluation:indicator", args=[code]),
            }
        )
    return out
