"""Booking engine: earliest fitting slot through an index, plus a naive linear-scan reference.

State is a plain in-memory book of slots (built from the database rows by the Django adapter);
every operation is deterministic: same slots, same bookings, same call -> same answer. Ties on
start time go to the smallest device id. Refusals carry a code and a French message.

Index: for each (device, purpose, member) a sorted list of the positions of free, open slots in
the device's time-ordered slot array; a search bisects to the first slot not before the order's
earliest start and stops as soon as it passes the best candidate found on another device.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from pimm.engine.i18n import message as _

from .model import (
    BookableDevice,
    Booking,
    ExamType,
    Order,
    Outcome,
    Priority,
    Purpose,
    Refusal,
    Slot,
)

EPOCH = datetime(2000, 1, 1)
MINUTE = timedelta(minutes=1)
PURPOSE_FR = {
    Purpose.GENERAL: _("générale"),
    Purpose.EMERGENCY: _("urgence"),
    Purpose.PAEDIATRIC: _("pédiatrie"),
    Purpose.DISABILITY: _("handicap"),
    Purpose.NEURO: _("neuroradiologie"),
    Purpose.SCREENING: _("dépistage"),
}


def _m(dt: datetime) -> int:
    return (dt - EPOCH) // MINUTE


def _fmt(dt: datetime) -> str:
    return dt.strftime("%d/%m/%Y %H:%M")


def refuse(code: str, message: str) -> Outcome:
    return Outcome(refusal=Refusal(code, message))


def purpose_allowed(order: Order, purpose: Purpose, released: bool) -> bool:
    """May this order use a slot of this purpose (reserved slots: `released` or not)?"""
    emergency = order.priority is Priority.EMERGENCY
    if order.purpose is not None:
        if emergency:
            return purpose in (order.purpose, Purpose.EMERGENCY, Purpose.GENERAL)
        return purpose is order.purpose
    if purpose is Purpose.GENERAL:
        return True
    if purpose is Purpose.EMERGENCY and emergency:
        return True
    return released


def member_allowed(order: Order, slot_member: str | None) -> bool:
    return (
        order.priority is Priority.EMERGENCY
        or order.member_id is None
        or slot_member is None
        or slot_member == order.member_id
    )


class SlotBook:
    """Slots and bookings, with the indexed earliest-fit search."""

    def __init__(
        self,
        slots: Iterable[Slot],
        devices: Iterable[BookableDevice],
        exam_types: Iterable[ExamType],
        *,
        horizon_days: int = 90,
        bookings: Iterable[Booking] = (),
    ) -> None:
        self.devices = {d.id: d for d in devices}
        self.exam_types = {e.code: e for e in exam_types}
        self.horizon = timedelta(days=horizon_days)
        per_dev: dict[str, list[Slot]] = defaultdict(list)
        for s in slots:
            if s.device_id not in self.devices:
                raise ValueError(f"Plage {s.id} : appareil inconnu {s.device_id}.")
            per_dev[s.device_id].append(s)
        self.slots: dict[str, list[Slot]] = {}
        self.start: dict[str, list[int]] = {}
        self.end: dict[str, list[int]] = {}
        self.tod: dict[str, list[int]] = {}
        self.release: dict[str, list[int]] = {}
        self.taken: dict[str, list[str | None]] = {}
        self.closed: dict[str, list[str | None]] = {}
        self.pos: dict[str, tuple[str, int]] = {}
        self.index: dict[tuple[str, Purpose, str | None], list[int]] = {}
        self.max_release: dict[tuple[str, Purpose, str | None], int] = {}
        self.keys: dict[str, list[tuple[str, Purpose, str | None]]] = defaultdict(list)
        for dev in sorted(self.devices):
            ss = sorted(per_dev.get(dev, ()), key=lambda s: s.start)
            self.slots[dev] = ss
            self.start[dev] = [_m(s.start) for s in ss]
            self.end[dev] = [_m(s.end) for s in ss]
            self.tod[dev] = [s.start.hour * 60 + s.start.minute for s in ss]
            self.release[dev] = [_m(s.release_at) if s.release_at else -(2**62) for s in ss]
            self.taken[dev] = [None] * len(ss)
            self.closed[dev] = [None] * len(ss)
            for i, s in enumerate(ss):
                if s.id in self.pos:
                    raise ValueError(f"Plage en double : {s.id}.")
                self.pos[s.id] = (dev, i)
                key = (dev, s.purpose, s.member_id)
                if key not in self.index:
                    self.index[key] = []
                    self.keys[dev].append(key)
                    self.max_release[key] = 0
                self.index[key].append(i)
                if s.release_at is not None:
                    offset = _m(s.start) - _m(s.release_at)
                    self.max_release[key] = max(self.max_release[key], offset)
        self.by_modality: dict[str, list[str]] = defaultdict(list)
        for dev in sorted(self.devices):
            self.by_modality[self.devices[dev].modality].append(dev)
        self.bookings: dict[str, Booking] = {}
        for b in bookings:
            dev, p = self.pos[b.slot_ids[0]]
            self._take(b.order.id, dev, p, p + len(b.slot_ids))
            self.bookings[b.order.id] = b

    # ---- state changes -------------------------------------------------------------------
    def _key(self, dev: str, p: int) -> tuple[str, Purpose, str | None]:
        s = self.slots[dev][p]
        return (dev, s.purpose, s.member_id)

    def _take(self, booking_id: str, dev: str, p: int, q: int) -> None:
        for r in range(p, q):
            self.taken[dev][r] = booking_id
            if self.closed[dev][r] is None:
                lst = self.index[self._key(dev, r)]
                i = bisect_left(lst, r)
                if i < len(lst) and lst[i] == r:
                    lst.pop(i)

    def _free(self, dev: str, p: int, q: int) -> None:
        for r in range(p, q):
            self.taken[dev][r] = None
            if self.closed[dev][r] is None:
                insort(self.index[self._key(dev, r)], r)

    def close(self, device_id: str, start: datetime, end: datetime, reason: str) -> list[Booking]:
        """Close a device over [start, end): its slots can no longer be booked. Returns the
        bookings that fall in the closure (still booked: the caller decides to move them)."""
        a, b = _m(start), _m(end)
        hit: dict[str, Booking] = {}
        for r, (s0, s1) in enumerate(zip(self.start[device_id], self.end[device_id], strict=True)):
            if s0 < b and a < s1 and self.closed[device_id][r] is None:
                if self.taken[device_id][r] is None:
                    lst = self.index[self._key(device_id, r)]
                    lst.pop(bisect_left(lst, r))
                else:
                    bid = self.taken[device_id][r]
                    hit[bid] = self.bookings[bid]
                self.closed[device_id][r] = reason
        return list(hit.values())

    # ---- checks ----------------------------------------------------------------------------
    def _devices_for(self, order: Order, exam: ExamType, site: str | None = None) -> list[str]:
        out = []
        for dev in self.by_modality.get(exam.modality, ()):
            d = self.devices[dev]
            if d.exam_types is not None and exam.code not in d.exam_types:
                continue
            if order.needs_accessibility and not d.accessible:
                continue
            if order.allowed_sites is not None and d.site not in order.allowed_sites:
                continue
            if site is not None and d.site != site:
                continue
            out.append(dev)
        return out

    def _block(self, dev: str, p: int, order: Order, minutes: int, now: int) -> int:
        """End position (exclusive) of the block of consecutive slots from p that can hold the
        exam, or -1. Checks free, open, same vacation, contiguous, purpose, member, time window."""
        ss, start, end, taken, closed = (
            self.slots[dev],
            self.start[dev],
            self.end[dev],
            self.taken[dev],
            self.closed[dev],
        )
        rel = self.release[dev]
        earliest = order.earliest_time
        if earliest is not None and self.tod[dev][p] < earliest.hour * 60 + earliest.minute:
            return -1
        vac = ss[p].vacation_id
        t = start[p]
        covered = 0
        q = p
        n = len(ss)
        while covered < minutes:
            if q >= n or taken[q] is not None or closed[q] is not None or start[q] != t:
                return -1
            s = ss[q]
            if s.vacation_id != vac or not member_allowed(order, s.member_id):
                return -1
            if not purpose_allowed(order, s.purpose, rel[q] <= now):
                return -1
            covered += end[q] - start[q]
            t = end[q]
            q += 1
        if order.latest_time is not None:
            limit = order.latest_time.hour * 60 + order.latest_time.minute
            if self.tod[dev][p] + (t - start[p]) > limit:
                return -1
        return q

    def _window(self, order: Order, now: datetime) -> tuple[int, int]:
        lo = max(now, order.not_before) if order.not_before else now
        hi = now + self.horizon
        if order.not_after is not None:
            hi = min(hi, order.not_after)
        return _m(lo), _m(hi)

    # ---- search ------------------------------------------------------------------------------
    def _search(
        self, order: Order, exam: ExamType, devs: list[str], lo: int, hi: int, now: int
    ) -> tuple[int, str, int, int] | None:
        best: tuple[int, str, int, int] | None = None
        for dev in devs:
            p0 = bisect_left(self.start[dev], lo)
            start = self.start[dev]
            for key in self.keys[dev]:
                _device, purpose, member = key
                if not member_allowed(order, member):
                    continue
                always = purpose_allowed(order, purpose, False)
                if not always and not purpose_allowed(order, purpose, True):
                    continue
                lst = self.index[key]
                i = bisect_left(lst, p0)
                horizon = hi if best is None else min(hi, best[0])
                release_limit = now + self.max_release[key]
                while i < len(lst):
                    p = lst[i]
                    s = start[p]
                    if s > horizon or (best is not None and s == best[0] and dev >= best[1]):
                        break
                    if not always and s > release_limit:
                        break
                    q = self._block(dev, p, order, exam.minutes, now)
                    if q >= 0:
                        best = (s, dev, p, q)
                        break
                    i += 1
        return best

    def find(self, order: Order, now: datetime) -> tuple[str, int, int] | Refusal:
        """(device, first position, end position) of the earliest fitting slot, or a refusal."""
        exam = self.exam_types.get(order.exam_type)
        if exam is None:
            return Refusal(
                "unknown_exam_type",
                _("Type d'examen inconnu : %(exam_type)s.", exam_type=order.exam_type),
            )
        devs = self._devices_for(order, exam)
        if not devs:
            return Refusal(
                "no_device",
                _(
                    "Aucun appareil %(modality)s ne peut réaliser l'examen %(code)s avec les contraintes demandées (site, accessibilité).",
                    modality=exam.modality,
                    code=exam.code,
                ),
            )
        lo, hi = self._window(order, now)
        n = _m(now)
        best = self._search(order, exam, devs, lo, hi, n)
        if order.preferred_site is not None and (
            best is None or self.devices[best[1]].site != order.preferred_site
        ):
            pref = [d for d in devs if self.devices[d].site == order.preferred_site]
            limit = hi if best is None else min(hi, best[0] + order.prefer_within_minutes)
            alt = self._search(order, exam, pref, lo, limit, n) if pref else None
            if alt is not None:
                best = alt
        if best is None:
            until = EPOCH + hi * MINUTE
            return Refusal(
                "no_slot",
                _(
                    "Aucune plage libre adaptée à l'examen %(code)s (%(modality)s) avant le %(until)s (horizon de %(days)s jours).",
                    code=exam.code,
                    modality=exam.modality,
                    until=_fmt(until),
                    days=self.horizon.days,
                ),
            )
        return best[1], best[2], best[3]

    def find_options(
        self, order: Order, now: datetime, count: int
    ) -> list[tuple[str, int, int]] | Refusal:
        """Up to ``count`` fitting blocks on as many days: the earliest block of each of the next
        days that has one, in date order (the first is what ``find`` answers). A refusal when
        not even one fits."""
        first = self.find(order, now)
        if isinstance(first, Refusal):
            return first
        options = [first]
        while len(options) < count:
            dev, p, _q = options[-1]
            day = self.slots[dev][p].start
            after = datetime.combine(day.date() + timedelta(days=1), datetime.min.time())
            found = self.find(replace(order, not_before=max(after, order.not_before or after)), now)
            if isinstance(found, Refusal):
                break
            options.append(found)
        return options

    # ---- public operations -------------------------------------------------------------------
    def _commit(self, order: Order, dev: str, p: int, q: int, now: int) -> Booking:
        self._take(order.id, dev, p, q)
        ss = self.slots[dev][p:q]
        b = Booking(
            order=order,
            slot_ids=tuple(s.id for s in ss),
            device_id=dev,
            site=self.devices[dev].site,
            start=ss[0].start,
            end=ss[-1].end,
            purposes=tuple(s.purpose for s in ss),
            released=any(
                s.purpose is not Purpose.GENERAL and not purpose_allowed(order, s.purpose, False)
                for s in ss
            ),
        )
        self.bookings[order.id] = b
        return b

    def book(self, order: Order, now: datetime) -> Outcome:
        """Book the order into the earliest fitting slot."""
        if order.id in self.bookings:
            return refuse(
                "already_booked", _("La demande %(id)s a déjà un rendez-vous.", id=order.id)
            )
        found = self.find(order, now)
        if isinstance(found, Refusal):
            return Outcome(refusal=found)
        dev, p, q = found
        return Outcome(booking=self._commit(order, dev, p, q, _m(now)))

    def check_slot(
        self, order: Order, slot_id: str, now: datetime
    ) -> tuple[str, int, int] | Refusal:
        """Explain whether this order may take the block starting at this slot."""
        exam = self.exam_types.get(order.exam_type)
        if exam is None:
            return Refusal(
                "unknown_exam_type",
                _("Type d'examen inconnu : %(exam_type)s.", exam_type=order.exam_type),
            )
        if slot_id not in self.pos:
            return Refusal("unknown_slot", _("Plage inconnue : %(slot_id)s.", slot_id=slot_id))
        dev, p = self.pos[slot_id]
        s = self.slots[dev][p]
        n = _m(now)
        if self.closed[dev][p] is not None:
            return Refusal(
                "closed_device",
                _(
                    "L'appareil %(dev)s est fermé le %(start)s (%(reason)s).",
                    dev=dev,
                    start=_fmt(s.start),
                    reason=self.closed[dev][p],
                ),
            )
        if s.start < now:
            return Refusal(
                "past_slot", _("La plage du %(start)s est déjà passée.", start=_fmt(s.start))
            )
        if self.taken[dev][p] is not None:
            return Refusal(
                "slot_taken",
                _(
                    "La plage du %(start)s sur %(dev)s est déjà prise.",
                    start=_fmt(s.start),
                    dev=dev,
                ),
            )
        if dev not in self._devices_for(order, exam):
            return Refusal(
                "unsuitable",
                _(
                    "L'appareil %(dev)s ne convient pas à l'examen %(code)s (modalité, type d'examen, site ou accessibilité).",
                    dev=dev,
                    code=exam.code,
                ),
            )
        if not member_allowed(order, s.member_id):
            return Refusal(
                "unsuitable",
                _("La plage du %(start)s est une vacation d'un autre membre.", start=_fmt(s.start)),
            )
        if not purpose_allowed(order, s.purpose, self.release[dev][p] <= n):
            if order.purpose is None and s.release_at is not None:
                return Refusal(
                    "slot_reserved",
                    _(
                        "Plage réservée (%(purpose)s) : ouverte à tous à partir du %(release_at)s.",
                        purpose=PURPOSE_FR[s.purpose],
                        release_at=_fmt(s.release_at),
                    ),
                )
            return Refusal(
                "unsuitable",
                _(
                    "La plage du %(start)s est de type %(purpose)s, pas %(general)s.",
                    start=_fmt(s.start),
                    purpose=PURPOSE_FR[s.purpose],
                    general=PURPOSE_FR[order.purpose or Purpose.GENERAL],
                ),
            )
        lo, hi = self._window(order, now)
        if not lo <= self.start[dev][p] <= hi:
            return Refusal("unsuitable", _("La plage sort des dates acceptées pour ce patient."))
        q = self._block(dev, p, order, exam.minutes, n)
        if q < 0:
            return Refusal(
                "unsuitable",
                _(
                    "Pas assez de plages libres consécutives à partir du %(start)s pour %(minutes)s min, ou horaire hors de la fenêtre du patient.",
                    start=_fmt(s.start),
                    minutes=exam.minutes,
                ),
            )
        return dev, p, q

    def book_slot(self, order: Order, slot_id: str, now: datetime) -> Outcome:
        """Book the order at a chosen slot (calendar, drag-and-drop), with the same rules."""
        if order.id in self.bookings:
            return refuse(
                "already_booked", _("La demande %(id)s a déjà un rendez-vous.", id=order.id)
            )
        found = self.check_slot(order, slot_id, now)
        if isinstance(found, Refusal):
            return Outcome(refusal=found)
        return Outcome(booking=self._commit(order, *found, _m(now)))

    def cancel(self, booking_id: str, now: datetime) -> Outcome:
        b = self.bookings.get(booking_id)
        if b is None:
            return refuse(
                "unknown_booking", _("Rendez-vous inconnu : %(booking_id)s.", booking_id=booking_id)
            )
        if b.start < now:
            return refuse(
                "past_slot", _("Le rendez-vous du %(start)s est déjà passé.", start=_fmt(b.start))
            )
        dev, p = self.pos[b.slot_ids[0]]
        self._free(dev, p, p + len(b.slot_ids))
        del self.bookings[booking_id]
        return Outcome(booking=b)

    def move(self, booking_id: str, slot_id: str, now: datetime) -> Outcome:
        """Move a booking to another slot, checked by the same rules; unchanged on refusal."""
        b = self.bookings.get(booking_id)
        if b is None:
            return refuse(
                "unknown_booking", _("Rendez-vous inconnu : %(booking_id)s.", booking_id=booking_id)
            )
        if b.start < now:
            return refuse(
                "past_slot", _("Le rendez-vous du %(start)s est déjà passé.", start=_fmt(b.start))
            )
        dev, p = self.pos[b.slot_ids[0]]
        q = p + len(b.slot_ids)
        self._free(dev, p, q)
        del self.bookings[booking_id]
        found = self.check_slot(b.order, slot_id, now)
        if isinstance(found, Refusal):
            self._take(booking_id, dev, p, q)
            self.bookings[booking_id] = b
            return Outcome(refusal=found)
        return Outcome(booking=self._commit(b.order, *found, _m(now)))

    def slot(self, slot_id: str) -> Slot:
        dev, p = self.pos[slot_id]
        return self.slots[dev][p]

    def is_free(self, slot_id: str) -> bool:
        dev, p = self.pos[slot_id]
        return self.taken[dev][p] is None and self.closed[dev][p] is None


class NaiveSlotBook(SlotBook):
    """Reference: the same book, searched by a linear scan over every slot in time order.

    Used as the baseline of bench/booking.py and as the oracle of the index in tests; its fit
    test is written separately from the indexed one on purpose.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ordered = sorted(
            ((s.start, s.device_id, i) for dev, ss in self.slots.items() for i, s in enumerate(ss))
        )

    def _naive_block(self, dev: str, p: int, order: Order, minutes: int, now: datetime) -> int:
        ss = self.slots[dev]
        first = ss[p]
        if order.earliest_time is not None and first.start.time() < order.earliest_time:
            return -1
        covered = timedelta(0)
        expected = first.start
        q = p
        while covered < timedelta(minutes=minutes):
            if q >= len(ss):
                return -1
            s = ss[q]
            if self.taken[dev][q] is not None or self.closed[dev][q] is not None:
                return -1
            if s.start != expected or s.vacation_id != first.vacation_id:
                return -1
            if not member_allowed(order, s.member_id):
                return -1
            released = s.release_at is None or s.release_at <= now
            if not purpose_allowed(order, s.purpose, released):
                return -1
            covered += s.end - s.start
            expected = s.end
            q += 1
        if order.latest_time is not None:
            day0 = datetime.combine(first.start.date(), datetime.min.time())
            limit = day0 + timedelta(hours=order.latest_time.hour, minutes=order.latest_time.minute)
            if expected > limit:
                return -1
        return q

    def _scan(self, order, exam, devs, lo, hi, now):
        allowed = set(devs)
        for start, dev, p in self.ordered:
            if start < lo:
                continue
            if start > hi:
                return None
            if dev not in allowed:
                continue
            q = self._naive_block(dev, p, order, exam.minutes, now)
            if q >= 0:
                return dev, p, q
        return None

    def find(self, order: Order, now: datetime) -> tuple[str, int, int] | Refusal:
        exam = self.exam_types.get(order.exam_type)
        if exam is None:
            return Refusal(
                "unknown_exam_type",
                _("Type d'examen inconnu : %(exam_type)s.", exam_type=order.exam_type),
            )
        devs = self._devices_for(order, exam)
        if not devs:
            return Refusal("no_device", _("Aucun appareil ne convient."))
        lo_m, hi_m = self._window(order, now)
        lo, hi = EPOCH + lo_m * MINUTE, EPOCH + hi_m * MINUTE
        best = self._scan(order, exam, devs, lo, hi, now)
        if order.preferred_site is not None and (
            best is None or self.devices[best[0]].site != order.preferred_site
        ):
            pref = [d for d in devs if self.devices[d].site == order.preferred_site]
            limit = hi
            if best is not None:
                limit = min(
                    hi,
                    self.slots[best[0]][best[1]].start
                    + timedelta(minutes=order.prefer_within_minutes),
                )
            alt = self._scan(order, exam, pref, lo, limit, now) if pref else None
            if alt is not None:
                best = alt
        if best is None:
            return Refusal("no_slot", _("Aucune plage libre adaptée dans l'horizon."))
        return best
