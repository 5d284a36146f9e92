"""Reads other rooms use to get registry data without reaching into its models' internals."""

import datetime as dt

from django.db.models import QuerySet

from pimm.registry import models as m


def current_platform() -> m.Platform | None:
    return m.Platform.objects.order_by("pk").first()


def convention_in_force(platform: m.Platform, day: dt.date) -> m.Convention | None:
    """The convention version in force on `day` (periods never overlap, see services)."""
    return (
        m.Convention.objects.filter(platform=platform, effective_from__lte=day)
        .exclude(effective_to__lt=day)
        .order_by("-effective_from")
        .first()
    )


def sharing_keys_on(platform: m.Platform, day: dt.date) -> list[m.SharingKey]:
    convention = convention_in_force(platform, day)
    if convention is None:
        return []
    return list(convention.sharing_keys.select_related("member").order_by("member__code"))


def active_practitioners(platform: m.Platform | None = None) -> QuerySet:
    qs = m.Practitioner.objects.filter(active=True).select_related("member")
    if platform is not None:
        qs = qs.filter(member__platform=platform)
    return qs.prefetch_related("sites").order_by("last_name", "first_name")


def sites_of(platform: m.Platform | None = None) -> QuerySet:
    qs = m.Site.objects.select_related("member")
    if platform is not None:
        qs = qs.filter(member__platform=platform)
    return qs.order_by("code")


def equipment_of(platform: m.Platform | None = None) -> QuerySet:
    qs = m.Equipment.objects.filter(active=True).select_related("site", "holder")
    if platform is not None:
        qs = qs.filter(site__member__platform=platform)
    return qs.order_by("code")
