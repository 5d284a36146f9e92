"""Reads other rooms rely on (they never reach into registry models' internals)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import ngettext

from pimm.accounts.attention import Attention
from pimm.registry import access, legal
from pimm.registry import models as m
from pimm.registry.models import Convention, Equipment, Practitioner, SharingKey, Technologist


def current_platform() -> m.Platform | None:
    return m.Platform.objects.order_by("pk").first()


def sharing_keys_on(*, platform_id: int, day: dt.date) -> list[SharingKey]:
    convention = convention_in_force(platform_id=platform_id, day=day)
    if convention is None:
        return []
    return list(convention.sharing_keys.select_related("member").order_by("member__code"))


def active_practitioners(*, platform_id: int | None = None) -> QuerySet:
    qs = Practitioner.objects.filter(active=True).select_related("member")
    if platform_id is not None:
        qs = qs.filter(member__platform_id=platform_id)
    return qs.prefetch_related("sites").order_by("last_name", "first_name")


def sites_of(*, platform_id: int | None = None) -> QuerySet:
    qs = m.Site.objects.select_related("member")
    if platform_id is not None:
        qs = qs.filter(member__platform_id=platform_id)
    return qs.order_by("code")


def convention_in_force(*, platform_id: int, day: dt.date) -> Convention | None:
    """The convention version in force on `day`, if any."""
    return (
        Convention.objects.filter(platform_id=platform_id, effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .order_by("-effective_from")
        .first()
    )


@dataclass(frozen=True)
class TimeShare:
    member_id: int
    member_code: str
    member_name: str
    percent: Decimal


def time_shares(*, convention: Convention) -> list[TimeShare]:
    """Each member's share of equipment time under this convention (sums to 100 %)."""
    keys = SharingKey.objects.filter(convention=convention).select_related("member")
    return [
        TimeShare(k.member_id, k.member.code, k.member.name, k.time_share)
        for k in keys.order_by("member__code")
    ]


def active_equipment(*, platform_id: int):
    return (
        Equipment.objects.filter(active=True, site__member__platform_id=platform_id)
        .select_related("site", "holder")
        .order_by("code")
    )


def technologist_fte_by_site(*, platform_id: int) -> dict[int, float]:
    """Sum of active technologists' working time per site id."""
    out: dict[int, float] = {}
    for site_id, fte in Technologist.objects.filter(
        active=True, site__isnull=False, member__platform_id=platform_id
    ).values_list("site_id", "working_time"):
        out[site_id] = out.get(site_id, 0.0) + float(fte)
    return out


def practitioners_with_competence(*, platform_id: int, competence: str) -> list[tuple[int, int]]:
    """(member id, site id) pairs of active practitioners holding a competence, per privilege."""
    pairs = set()
    qs = Practitioner.objects.filter(active=True, member__platform_id=platform_id).prefetch_related(
        "sites"
    )
    for p in qs:
        if competence in (p.competences or []):
            for site in p.sites.all():
                pairs.add((p.member_id, site.pk))
    return sorted(pairs)


def practitioner_of_user(*, user) -> Practitioner | None:
    """The practitioner profile linked to a login, if any (readers of the worklist)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Practitioner.objects.filter(user=user, active=True).first()


def own_first_member_ids(*, platform_id: int | None = None) -> list[int]:
    """Members whose exams go to their own radiologists first: the private radiology groups."""
    qs = m.Member.objects.filter(kind=m.Member.Kind.PRIVATE_GROUP)
    if platform_id is not None:
        qs = qs.filter(platform_id=platform_id)
    return list(qs.values_list("pk", flat=True))


# -- lookups for the rooms above (their views and APIs read the registry through these) --------


def members(*, member_id: int | None = None) -> QuerySet:
    """Members by name; only ``member_id``'s when given."""
    qs = m.Member.objects.order_by("name")
    return qs.filter(pk=member_id) if member_id is not None else qs


def member(*, pk) -> m.Member | None:
    return m.Member.objects.filter(pk=pk).first() if pk is not None else None


def site(*, pk) -> m.Site | None:
    return m.Site.objects.filter(pk=pk).first() if pk else None


def equipment(*, pk) -> m.Equipment | None:
    return m.Equipment.objects.select_related("site").filter(pk=pk).first()


def practitioner(*, pk, active: bool | None = None) -> Practitioner | None:
    qs = Practitioner.objects.filter(pk=pk)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.select_related("member").first()


REPORT_NOTICE_DAYS = 60  # the ARS progress report is announced two months ahead


def attention(user, today: dt.date) -> list[Attention]:
    """The registry's part of what needs attention today (``pimm.accounts.attention``): devices
    whose authorisation is not in force or ends within six months without a successor, the
    PIMM's own renewal, and the ARS progress report when it is due within two months."""
    platform = access.visible(user, m.Platform).first()
    if platform is None:
        return []
    staff = user.is_platform_staff or user.is_reviewer
    devices = access.visible(user, m.Equipment).values_list("pk", flat=True)
    out = [
        Attention(a.message, 1, a.url, "danger" if a.level == "danger" else "warning")
        for a in legal.alerts(
            platform=platform if staff else None, today=today, equipment_ids=list(devices)
        )
    ]
    if staff:
        upcoming = [d for d in platform.annual_report_due_dates() if d >= today]
        if upcoming and (upcoming[0] - today).days <= REPORT_NOTICE_DAYS:
            days = (upcoming[0] - today).days
            label = ngettext(
                "Rapport d'étape à l'ARS dû le %(day)s (dans %(n)d jour)",
                "Rapport d'étape à l'ARS dû le %(day)s (dans %(n)d jours)",
                days,
            ) % {"day": upcoming[0].strftime("%d/%m/%Y"), "n": days}
            out.append(Attention(label, 1, "#authorisation", "info" if days > 14 else "warning"))
    return out
