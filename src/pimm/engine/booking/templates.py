"""Cut vacations into slots following slot templates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from .model import BookableDevice, Purpose, Slot, SlotTemplate, VacationWindow


def template_for(device: BookableDevice, templates: Iterable[SlotTemplate]) -> SlotTemplate:
    templates = tuple(templates)
    for t in templates:
        if t.device_ids is not None and device.id in t.device_ids:
            return t
    for t in templates:
        if t.device_ids is None and t.modality == device.modality:
            return t
    for t in templates:
        if t.device_ids is None and t.modality is None:
            return t
    raise ValueError(f"Aucun modèle de plages pour l'appareil {device.id} ({device.modality}).")


def _spread(n: int, k: int, taken: set[int]) -> list[int]:
    """k positions spread evenly over n, avoiding `taken` (nearest free position)."""
    out = []
    for j in range(k):
        target = min(n - 1, int((j + 0.5) * n / k))
        for delta in range(n):
            for p in (target + delta, target - delta):
                if 0 <= p < n and p not in taken:
                    taken.add(p)
                    out.append(p)
                    break
            else:
                continue
            break
    return out


def generate_slots(
    windows: Iterable[VacationWindow],
    devices: Iterable[BookableDevice],
    templates: Iterable[SlotTemplate],
) -> list[Slot]:
    """Slots of every window, sorted by (start, device). Reserved: emergency slots spread over the
    vacation (more in PDSES hours), specialised slots as a block at the start of the vacation."""
    devices = {d.id: d for d in devices}
    templates = tuple(templates)
    chosen = {d: template_for(dev, templates) for d, dev in devices.items()}
    slots: list[Slot] = []
    for w in windows:
        dev = devices[w.device_id]
        t = chosen[w.device_id]
        step = timedelta(minutes=t.slot_minutes)
        n = int((w.end - w.start) // step)
        if n <= 0:
            continue
        purpose = [Purpose.GENERAL] * n
        release = [0] * n
        taken: set[int] = set()
        pos = 0
        for q in t.specialised:
            if q.weekdays is not None and w.start.weekday() not in q.weekdays:
                continue
            for _ in range(q.slots):
                if pos < n:
                    purpose[pos], release[pos] = q.purpose, q.release_minutes
                    taken.add(pos)
                    pos += 1
        k = t.emergency_slots_pdses if w.pdses else t.emergency_slots
        for p in _spread(n, min(k, n - len(taken)), taken):
            purpose[p], release[p] = Purpose.EMERGENCY, t.emergency_release_minutes
        for i in range(n):
            start = w.start + i * step
            slots.append(
                Slot(
                    id=f"{dev.id}|{start:%Y%m%dT%H%M}",
                    device_id=dev.id,
                    site=dev.site,
                    modality=dev.modality,
                    start=start,
                    end=start + step,
                    purpose=purpose[i],
                    vacation_id=w.id,
                    member_id=w.member_id,
                    release_at=(
                        None
                        if purpose[i] is Purpose.GENERAL
                        else start - timedelta(minutes=release[i])
                    ),
                    pdses=w.pdses,
                )
            )
    slots.sort(key=lambda s: (s.start, s.device_id))
    return slots
