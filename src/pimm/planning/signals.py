"""Slots follow closures: a closure saved or deleted by any path (dedicated page, setup pages,
admin, API) re-derives the state of the slots it covered and covers."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save

from pimm.planning import models as pm


def _remember_range(sender, instance: pm.Closure, **kwargs) -> None:
    instance._previous_range = (
        pm.Closure.objects.filter(pk=instance.pk).values("equipment_id", "start", "end").first()
        if instance.pk
        else None
    )


def _apply(instance: pm.Closure) -> None:
    from pimm.planning.services import slots_follow_closures  # noqa: PLC0415 — services import the models these signals follow

    ranges = [(instance.equipment_id, instance.start, instance.end)]
    old = getattr(instance, "_previous_range", None)
    if old:
        ranges.append((old["equipment_id"], old["start"], old["end"]))
    for equipment_id, start, end in ranges:
        slots_follow_closures(equipment_id, start, end)


def _saved(sender, instance: pm.Closure, raw: bool = False, **kwargs) -> None:
    if not raw:  # fixtures load slots as they were; runs inside the caller's transaction
        _apply(instance)


def _deleted(sender, instance: pm.Closure, **kwargs) -> None:
    instance._previous_range = None
    _apply(instance)


def connect() -> None:
    pre_save.connect(_remember_range, sender=pm.Closure, dispatch_uid="closure-range")
    post_save.connect(_saved, sender=pm.Closure, dispatch_uid="closure-slots")
    post_delete.connect(_deleted, sender=pm.Closure, dispatch_uid="closure-slots-deleted")
