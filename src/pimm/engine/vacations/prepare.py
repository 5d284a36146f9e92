"""The vacation planner's first steps: check the input, build the context (vacations,
eligible members, staffing), report structural problems before any solving. The fairness
weights live here, shared by the models of ``scopes.py``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pimm.engine.i18n import message as _

from .bounds import BP
from .calendar import enumerate_vacations as _enumerate
from .calendar import french_holidays, month_key
from .model import (
    Device,
    PlanInput,
    Problem,
    ShareScope,
    Vacation,
)

# shares are handled in basis points (BP, 1 % = 100); operating every staffable vacation is a
# hard constraint, the weights below rank the fairness terms.
W_MAX_DEV = 100
W_MAX_BAD = 10
W_SUM_DEV = 2
MONTH_SECONDS = 0.25  # per scope, for spreading the optimal counts over the months


def _fmt_h(hours: float) -> str:
    return f"{hours:.1f} h".replace(".", ",")


def _fmt_pct(p: float) -> str:
    return f"{p:g} %".replace(".", ",")


@dataclass
class _Ctx:
    inp: PlanInput
    devices: dict[str, Device]
    scope_of: dict[str, ShareScope]
    bp: dict[tuple[str, str], int]  # (scope, member) -> basis points
    carry: dict[tuple[str, str], float]  # (scope, member) -> hours
    vacations: list[Vacation] = field(default_factory=list)
    eligible: dict[str, tuple[str, ...]] = field(default_factory=dict)
    capacity: dict[tuple, int | None] = field(default_factory=dict)
    member_names: dict[str, str] = field(default_factory=dict)

    def member(self, member_id: str) -> str:
        return self.member_names.get(member_id, member_id)

    def scope_label(self, scope: ShareScope) -> str:
        if scope.label:
            return scope.label
        if len(scope.device_ids) == 1:
            return self.devices[scope.device_ids[0]].label
        return scope.code


def validate_input(inp: PlanInput) -> list[Problem]:
    """Input errors that make any plan meaningless (French messages)."""
    problems: list[Problem] = []
    device_ids = {d.id for d in inp.devices}
    if inp.end <= inp.start:
        problems.append(
            Problem("period", _("La période est vide : la date de fin doit suivre le début."))
        )
    seen: dict[str, str] = {}
    known_members = {m.id for m in inp.members}
    for scope in inp.scopes:
        if not scope.device_ids:
            problems.append(
                Problem(
                    "scope",
                    _("La clé « %(code)s » ne couvre aucun appareil.", code=scope.code),
                    scope_code=scope.code,
                )
            )
        for dev in scope.device_ids:
            if dev not in device_ids:
                problems.append(
                    Problem(
                        "scope",
                        _(
                            "La clé « %(code)s » cite un appareil inconnu : %(dev)s.",
                            code=scope.code,
                            dev=dev,
                        ),
                        scope_code=scope.code,
                        device_id=dev,
                    )
                )
            elif dev in seen:
                problems.append(
                    Problem(
                        "scope",
                        _(
                            "L'appareil %(dev)s figure dans deux clés de répartition (« %(other)s » et « %(code)s »).",
                            dev=dev,
                            other=seen[dev],
                            code=scope.code,
                        ),
                        scope_code=scope.code,
                        device_id=dev,
                    )
                )
            else:
                seen[dev] = scope.code
        total = sum(s.percent for s in scope.shares)
        if abs(total - 100) > 0.01:
            problems.append(
                Problem(
                    "shares_sum",
                    _(
                        "Les parts de la convention pour « %(code)s » totalisent %(total)s et non 100 %%.",
                        code=scope.label or scope.code,
                        total=_fmt_pct(round(total, 2)),
                    ),
                    scope_code=scope.code,
                )
            )
        members = [s.member_id for s in scope.shares]
        if len(set(members)) != len(members):
            problems.append(
                Problem(
                    "shares_duplicate",
                    _("Un membre apparaît deux fois dans la clé « %(code)s ».", code=scope.code),
                    scope_code=scope.code,
                )
            )
        for s in scope.shares:
            if s.percent < 0:
                problems.append(
                    Problem(
                        "shares_negative",
                        _(
                            "Part négative pour %(member_id)s dans « %(code)s ».",
                            member_id=s.member_id,
                            code=scope.code,
                        ),
                        scope_code=scope.code,
                        member_id=s.member_id,
                    )
                )
            if known_members and s.member_id not in known_members:
                problems.append(
                    Problem(
                        "member",
                        _(
                            "La clé « %(code)s » cite un membre inconnu : %(member_id)s.",
                            code=scope.code,
                            member_id=s.member_id,
                        ),
                        scope_code=scope.code,
                        member_id=s.member_id,
                    )
                )
    for d in inp.devices:
        if d.merm_required < 0:
            problems.append(
                Problem(
                    "device", _("%(id)s : effectif MERM requis négatif.", id=d.id), device_id=d.id
                )
            )
    return problems


def _basis_points(scope: ShareScope) -> dict[str, int]:
    bp = {s.member_id: round(s.percent * 100) for s in scope.shares}
    if bp:
        residual = BP - sum(bp.values())
        if residual:
            biggest = max(bp, key=lambda m: (bp[m], m))
            bp[biggest] += residual
    return bp


def _prepare(inp: PlanInput) -> _Ctx:
    devices = {d.id: d for d in inp.devices}
    scope_of = {dev: scope for scope in inp.scopes for dev in scope.device_ids}
    bp: dict[tuple[str, str], int] = {}
    for scope in inp.scopes:
        for m, v in _basis_points(scope).items():
            bp[(scope.code, m)] = v
    carry: dict[tuple[str, str], float] = defaultdict(float)
    for c in inp.carry_over:
        carry[(c.scope_code, c.member_id)] += c.hours
    ctx = _Ctx(inp=inp, devices=devices, scope_of=scope_of, bp=bp, carry=carry)
    ctx.member_names = {m.id: m.label for m in inp.members}
    hol = french_holidays(inp.start, inp.end, inp.holiday_subdiv)
    for d in inp.devices:
        ctx.vacations.extend(
            _enumerate(d, inp.start, inp.end, hour_classes=inp.hour_classes, holiday_days=hol)
        )
    ctx.vacations.sort(key=lambda v: (v.start, v.device_id))

    # Staffing lookup: a date-specific entry wins over the weekly pattern; missing = 0 MERM.
    by_day: dict[tuple, int] = defaultdict(int)
    by_weekday: dict[tuple, int] = defaultdict(int)
    for s in inp.staffing or ():
        if s.day is not None:
            by_day[(s.site, s.day, s.part)] += s.merm
        elif s.weekday is not None:
            by_weekday[(s.site, s.weekday, s.part)] += s.merm
    presence_day = {(p.member_id, p.site, p.day, p.part) for p in inp.presence if p.day}
    presence_week = {
        (p.member_id, p.site, p.weekday, p.part) for p in inp.presence if p.weekday is not None
    }
    for v in ctx.vacations:
        key = (v.site, v.day, v.part)
        if inp.staffing is None:
            ctx.capacity[key] = None
        elif key not in ctx.capacity:
            ctx.capacity[key] = by_day.get(
                key, by_weekday.get((v.site, v.day.weekday(), v.part), 0)
            )
        scope = scope_of.get(v.device_id)
        if scope is None or v.closed_reason:
            ctx.eligible[v.id] = ()
            continue
        device = devices[v.device_id]
        members = []
        for s in scope.shares:
            if bp.get((scope.code, s.member_id), 0) <= 0:
                continue
            if device.requires_presence and not (
                (s.member_id, v.site, v.day, v.part) in presence_day
                or (s.member_id, v.site, v.day.weekday(), v.part) in presence_week
            ):
                continue
            members.append(s.member_id)
        ctx.eligible[v.id] = tuple(members)
    return ctx


def _staffable(ctx: _Ctx, v: Vacation) -> bool:
    cap = ctx.capacity[(v.site, v.day, v.part)]
    return cap is None or cap >= ctx.devices[v.device_id].merm_required


def _structural_problems(ctx: _Ctx) -> list[Problem]:
    """Shares that cannot be honoured whatever the solver does: too few hours, no staff."""
    problems: list[Problem] = []
    open_by_device_month: dict[tuple[str, str], list[Vacation]] = defaultdict(list)
    for v in ctx.vacations:
        if not v.closed_reason:
            open_by_device_month[(v.device_id, month_key(v.day))].append(v)
    for (dev, month), vs in sorted(open_by_device_month.items()):
        device = ctx.devices[dev]
        staffable = [v for v in vs if _staffable(ctx, v)]
        if not staffable:
            problems.append(
                Problem(
                    "staffing",
                    _(
                        "Appareil %(label)s (%(site)s), %(month)s : aucune des %(total)s vacations ouvertes ne peut être armée — il faut %(merm_required)s MERM par vacation et le site %(site)s n'en a pas assez.",
                        label=device.label,
                        site=device.site,
                        month=month,
                        total=len(vs),
                        merm_required=device.merm_required,
                    ),
                    device_id=dev,
                    month=month,
                )
            )
        elif len(staffable) < len(vs):
            problems.append(
                Problem(
                    "staffing",
                    _(
                        "Appareil %(label)s, %(month)s : %(missing)s vacation(s) ouverte(s) sans MERM disponible sur le site %(site)s.",
                        label=device.label,
                        month=month,
                        missing=len(vs) - len(staffable),
                        site=device.site,
                    ),
                    severity="warning",
                    device_id=dev,
                    month=month,
                )
            )
        if device.requires_presence and ctx.scope_of.get(dev):
            orphan = [v for v in staffable if not ctx.eligible[v.id]]
            if orphan:
                problems.append(
                    Problem(
                        "presence",
                        _(
                            "Appareil %(label)s, %(month)s : %(orphan)s vacation(s) sans radiologue d'aucun membre présent sur le site %(site)s (présence exigée) ; elles restent non attribuées.",
                            label=device.label,
                            month=month,
                            orphan=len(orphan),
                            site=device.site,
                        ),
                        severity="warning",
                        device_id=dev,
                        month=month,
                    )
                )
    for dev, device in ctx.devices.items():
        if dev not in ctx.scope_of:
            problems.append(
                Problem(
                    "scope",
                    _(
                        "L'appareil %(label)s n'a pas de clé de répartition : ses vacations restent non attribuées.",
                        label=device.label,
                    ),
                    severity="warning",
                    device_id=dev,
                )
            )
    if any(p.severity == "error" for p in problems):
        return problems

    # Too few hours: a member's eligible time (presence) below its due share, per scope and month.
    for scope in ctx.inp.scopes:
        usable = [
            v
            for v in ctx.vacations
            if ctx.scope_of.get(v.device_id) is scope
            and not v.closed_reason
            and _staffable(ctx, v)
            and ctx.eligible[v.id]
        ]
        if not usable:
            continue
        mean_h = sum(v.hours for v in usable) / len(usable)
        total_h = sum(v.hours for v in usable)
        for s in scope.shares:
            share = ctx.bp.get((scope.code, s.member_id), 0) / BP
            if share <= 0:
                continue
            due = share * total_h - ctx.carry.get((scope.code, s.member_id), 0.0)
            mine = sum(v.hours for v in usable if s.member_id in ctx.eligible[v.id])
            forced = sum(v.hours for v in usable if ctx.eligible[v.id] == (s.member_id,))
            if mine < due - mean_h:
                months = defaultdict(lambda: [0.0, 0.0])
                for v in usable:
                    mk = month_key(v.day)
                    months[mk][0] += v.hours * share
                    if s.member_id in ctx.eligible[v.id]:
                        months[mk][1] += v.hours
                short = [
                    f"{mk} ({_fmt_h(got)} possibles pour {_fmt_h(want)} dues)"
                    for mk, (want, got) in sorted(months.items())
                    if got < want - 1e-9
                ]
                dev_ids = ", ".join(scope.device_ids)
                problems.append(
                    Problem(
                        "too_few_hours",
                        f"Clé « {ctx.scope_label(scope)} » ({dev_ids}) : le membre "
                        f"{ctx.member(s.member_id)} doit recevoir {_fmt_pct(s.percent)} du temps, "
                        f"soit {_fmt_h(due)}, mais seules {_fmt_h(mine)} lui sont possibles "
                        "(présence d'un de ses radiologues exigée sur le site). Mois en cause : "
                        + (", ".join(short) or "toute la période")
                        + ".",
                        scope_code=scope.code,
                        member_id=s.member_id,
                        month=short[0][:7] if short else None,
                    )
                )
            elif forced > due + mean_h:
                problems.append(
                    Problem(
                        "too_many_hours",
                        _(
                            "Clé « %(scope)s » : %(forced)s de vacations ne peuvent aller qu'au membre %(member_id)s (seul présent), pour %(due)s dues au titre de sa part de %(percent)s.",
                            scope=ctx.scope_label(scope),
                            forced=_fmt_h(forced),
                            member_id=ctx.member(s.member_id),
                            due=_fmt_h(due),
                            percent=_fmt_pct(s.percent),
                        ),
                        scope_code=scope.code,
                        member_id=s.member_id,
                    )
                )
    return problems
