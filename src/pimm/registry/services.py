"""Writes to the registry, each in one transaction, checked against the actor's rights."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pimm.registry import access
from pimm.registry.models import Convention, Member, Platform, SharingKey
from pimm.registry.periods import check_date

HUNDRED = Decimal("100.00")


def _member_ids(obj: Model) -> set[int]:
    if isinstance(obj, Member):
        return {obj.pk}
    ids = {getattr(obj, a) for a in ("member_id", "holder_id") if getattr(obj, a, None)}
    if getattr(obj, "site_id", None):
        ids.add(obj.site.member_id)
    if getattr(obj, "equipment_id", None):
        ids |= {obj.equipment.holder_id, obj.equipment.site.member_id}
    return ids


def _check_member_scope(actor, obj: Model) -> None:
    """A member-bound writer may only attach objects to their own member."""
    if actor.is_platform_staff:
        return
    if actor.member_id is None or actor.member_id not in _member_ids(obj):
        raise PermissionDenied(_("Cet objet appartient à un autre membre."))


def registry_object_save(*, actor, obj: Model, m2m: dict[str, Iterable] | None = None) -> Model:
    """Validate and save one registry object (create or update) on behalf of `actor`."""
    model = type(obj)
    creating = obj.pk is None
    if creating:
        if not access.can_create(actor, model):
            raise PermissionDenied(_("Vous ne pouvez pas créer cet objet."))
    elif not access.writable(actor, model).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("Vous ne pouvez pas modifier cet objet."))
    _check_member_scope(actor, obj)
    if isinstance(obj, Convention) and not creating:
        _refuse_if_signed(obj.pk)
    obj.full_clean()
    if isinstance(obj, Convention):
        _check_convention_period(obj)
    with transaction.atomic():
        obj._history_user = actor
        obj.save()
        for name, values in (m2m or {}).items():
            getattr(obj, name).set(values)
    return obj


SIGNED = gettext_lazy(
    "Cette version de la convention est signée : elle n'est jamais modifiée sur place. "
    "Établissez un avenant (une nouvelle version avec sa date d'effet)."
)


def _refuse_if_signed(convention_id: int) -> None:
    if Convention.objects.filter(pk=convention_id, signed_on__isnull=False).exists():
        raise ValidationError(str(SIGNED), code="signed")


def registry_object_delete(*, actor, obj: Model) -> None:
    if not access.can_write(actor, obj):
        raise PermissionDenied(_("Vous ne pouvez pas supprimer cet objet."))
    with transaction.atomic():
        obj._history_user = actor
        obj.delete()


def _check_convention_period(convention: Convention) -> None:
    # Lock the platform row so two concurrent saves cannot both pass the overlap check.
    Platform.objects.select_for_update().filter(pk=convention.platform_id).exists()
    others = Convention.objects.filter(platform_id=convention.platform_id).exclude(pk=convention.pk)
    for other in others:
        if other.overlaps(convention.effective_from, convention.effective_to):
            raise ValidationError(
                {
                    "effective_from": _(
                        "La période chevauche celle de la convention « %(other)s » "
                        "(%(start)s – %(end)s)."
                    )
                    % {
                        "other": other,
                        "start": other.effective_from.strftime("%d/%m/%Y"),
                        "end": other.effective_to.strftime("%d/%m/%Y")
                        if other.effective_to
                        else _("sans fin"),
                    }
                }
            )


@dataclass(frozen=True)
class Share:
    member_id: int
    time_share: Decimal
    revenue_share: Decimal
    cost_share: Decimal


SHARE_FIELDS = ("time_share", "revenue_share", "cost_share")
SHARE_LABELS = {
    "time_share": "temps machine",
    "revenue_share": "recettes",
    "cost_share": "charges",
}


def validate_shares(shares: list[Share]) -> None:
    """Each dimension must sum to exactly 100 %, each share within [0, 100]."""
    errors = {}
    if not shares:
        raise ValidationError(_("Renseignez au moins une clé de répartition."))
    if len({s.member_id for s in shares}) != len(shares):
        raise ValidationError(_("Un membre apparaît deux fois dans les clés."))
    for field in SHARE_FIELDS:
        values = [Decimal(getattr(s, field)) for s in shares]
        if any(v < 0 or v > HUNDRED for v in values):
            errors[field] = _("Chaque part doit être comprise entre 0 et 100 %.")
            continue
        total = sum(values, Decimal(0))
        if total != HUNDRED:
            errors[field] = _(
                "Les parts de %(label)s totalisent %(total)s %% au lieu de 100 %%."
            ) % {"label": SHARE_LABELS[field], "total": f"{total:.2f}".replace(".", ",")}
    if errors:
        raise ValidationError(errors)


def sharing_keys_set(*, actor, convention: Convention, shares: list[Share]) -> list[SharingKey]:
    """Replace a convention's keys at once: all dimensions sum to 100 % or nothing is written."""
    if not actor.is_platform_staff:
        raise PermissionDenied(_("Seule la coordination modifie les clés de répartition."))
    _refuse_if_signed(convention.pk)
    return _keys_write(actor, convention, shares)


def _keys_write(actor, convention: Convention, shares: list[Share]) -> list[SharingKey]:
    validate_shares(shares)
    members = set(
        Member.objects.filter(
            platform_id=convention.platform_id, pk__in=[s.member_id for s in shares]
        ).values_list("pk", flat=True)
    )
    unknown = [s.member_id for s in shares if s.member_id not in members]
    if unknown:
        raise ValidationError(_("Membre inconnu pour ce plateau : %(ids)s") % {"ids": unknown})
    with transaction.atomic():
        existing = {k.member_id: k for k in convention.sharing_keys.select_for_update()}
        kept = []
        for share in shares:
            key = existing.pop(share.member_id, None) or SharingKey(
                convention=convention, member_id=share.member_id
            )
            values = {f: Decimal(getattr(share, f)) for f in SHARE_FIELDS}
            if key.pk and all(getattr(key, f) == v for f, v in values.items()):
                kept.append(key)  # unchanged: no write, no audit noise
                continue
            for field, value in values.items():
                setattr(key, field, value)
            key._history_user = actor
            key.full_clean(validate_unique=False)
            key.save()
            kept.append(key)
        for stale in existing.values():
            stale._history_user = actor
            stale.delete()
    return kept


def _next_version(version: str) -> str:
    head, _sep, tail = version.rpartition(".")
    if version.isdigit():
        return str(int(version) + 1)
    if tail.isdigit():
        return f"{head}.{int(tail) + 1}"
    return f"{version}.1"


def convention_amend(
    *,
    actor,
    convention: Convention,
    effective_from: dt.date,
    signed_on: dt.date | None,
    title: str = "",
    notes: str = "",
    shares: list[Share] | None = None,
) -> Convention:
    """An amendment (avenant): a new version in force from ``effective_from``; the amended one
    stays readable and ends the day before. The sharing keys follow the version: ``shares``
    (all summing to 100 %) or, without, the amended version's keys carried over."""
    if not actor.is_platform_staff:
        raise PermissionDenied(_("Seule la coordination établit un avenant à la convention."))
    check_date(effective_from, "effective_from")
    check_date(signed_on, "signed_on")
    with transaction.atomic():
        old = Convention.objects.select_for_update().get(pk=convention.pk)
        if effective_from <= old.effective_from or (
            old.effective_to and effective_from > old.effective_to
        ):
            start = old.effective_from.strftime("%d/%m/%Y")
            if old.effective_to:
                msg = _(
                    "Un avenant prend effet pendant la version qu'il modifie : après le "
                    "%(start)s et au plus tard le %(end)s."
                ) % {"start": start, "end": old.effective_to.strftime("%d/%m/%Y")}
            else:
                msg = _(
                    "Un avenant prend effet pendant la version qu'il modifie : après le %(start)s."
                ) % {"start": start}
            raise ValidationError({"effective_from": msg})
        if Convention.objects.filter(
            platform_id=old.platform_id, effective_from__gt=old.effective_from
        ).exists():
            raise ValidationError(
                _("Une version plus récente existe déjà : c'est elle qu'il faut amender.")
            )
        carried = [
            Share(k.member_id, k.time_share, k.revenue_share, k.cost_share)
            for k in old.sharing_keys.order_by("member_id")
        ]
        new = Convention(
            platform_id=old.platform_id,
            title=title or old.title,
            version=_next_version(old.version),
            signed_on=signed_on,
            effective_from=effective_from,
            effective_to=old.effective_to,
            notes=notes,
        )
        new.full_clean()
        old.effective_to = effective_from - dt.timedelta(days=1)
        old._history_user = actor
        old.save(update_fields=["effective_to"])  # the only change a signed version takes
        new._history_user = actor
        new.save()
        _keys_write(actor, new, shares if shares is not None else carried)
    return new
