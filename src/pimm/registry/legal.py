"""Reads of the cooperation's legal state: whether a device's ARS authorisation allows it to be
used on a day, and the alerts the coordinator must see before an authorisation (a device's, or
the PIMM's own) ends. Planning and booking refuse time outside a valid authorisation through
``refusal``; the dashboard and the device page show ``alerts`` and ``state_of``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from pimm.registry import models as m

ALERT_DAYS = 180  # an authorisation ending within six months is announced (renewal takes time)


@dataclass(frozen=True)
class DeviceState:
    equipment_id: int
    state: str  # an Authorization.State value; "none" without any authorisation
    label: str
    authorization: m.Authorization | None
    until: dt.date | None  # first day it no longer allows anything (in force only)


def _covering(auths: list[m.Authorization], day: dt.date) -> m.Authorization | None:
    """The authorisation deciding ``day``: one starting on or before it, the latest first."""
    started = [a for a in auths if a.starts_on <= day]
    return max(started, key=lambda a: (a.starts_on, a.pk)) if started else None


def _by_device(equipment_ids) -> dict[int, list[m.Authorization]]:
    out: dict[int, list[m.Authorization]] = {pk: [] for pk in equipment_ids}
    for a in m.Authorization.objects.filter(equipment_id__in=list(out)).order_by("starts_on"):
        out[a.equipment_id].append(a)
    return out


def states_on(equipment_ids, day: dt.date) -> dict[int, DeviceState]:
    """Each device's legal state on ``day``, in one query whatever the number of devices."""
    return _states(_by_device(equipment_ids), day)


def _states(by_device: dict[int, list[m.Authorization]], day: dt.date) -> dict[int, DeviceState]:
    out = {}
    for pk, auths in by_device.items():
        auth = _covering(auths, day) or (auths[0] if auths else None)
        if auth is None:
            out[pk] = DeviceState(pk, "none", _("aucune autorisation"), None, None)
            continue
        state = auth.state_on(day)
        until = auth.in_force_until() if state == m.Authorization.State.IN_FORCE else None
        label = str(m.Authorization.State(state).label)
        out[pk] = DeviceState(pk, state, label, auth, until)
    return out


def state_of(equipment_id: int, day: dt.date) -> DeviceState:
    return states_on([equipment_id], day)[equipment_id]


def refusal(equipment_id: int, start: dt.date, end: dt.date) -> str | None:
    """Why the device may not be used on some day of [start, end] (French), or None when an
    authorisation in force covers every day of it."""
    spans = _gaps(_by_device([equipment_id])[equipment_id], start, end)
    return spans[0][2] if spans else None


def unauthorised_spans(
    equipment_ids, start: dt.date, end: dt.date
) -> dict[int, list[tuple[dt.date, dt.date, str]]]:
    """For each device, the days of [start, end] no authorisation in force covers, as
    (first day, day after the last, reason) spans; two queries whatever the devices."""
    return {pk: _gaps(auths, start, end) for pk, auths in _by_device(equipment_ids).items()}


def _gaps(auths: list[m.Authorization], start: dt.date, end: dt.date) -> list[tuple]:
    out: list[tuple[dt.date, dt.date, str]] = []
    day, stop = start, end + dt.timedelta(days=1)
    while day < stop:
        auth = _covering(auths, day)
        state = auth.state_on(day) if auth else "none"
        if state == m.Authorization.State.IN_FORCE:
            day = min(auth.in_force_until(), stop)  # jump to its end
            continue
        # not allowed from ``day`` until a later authorisation starts (or the end)
        until = min((a.starts_on for a in auths if a.starts_on > day), default=stop)
        out.append((day, max(until, day + dt.timedelta(days=1)), _reason(auth, state, day)))
        day = max(until, day + dt.timedelta(days=1))
    return out


def _reason(auth: m.Authorization | None, state: str, day: dt.date) -> str:
    on = day.strftime("%d/%m/%Y")
    if auth is None:
        return _("L'équipement n'a pas d'autorisation de l'ARS en vigueur le %(day)s.") % {
            "day": on
        }
    values = {"day": on, "number": auth.number, "ref": auth.status_reference}
    if state == m.Authorization.State.SUSPENDED:
        return (
            _(
                "L'autorisation %(number)s de l'équipement est suspendue le %(day)s "
                "(décision %(ref)s)."
            )
            % values
        )
    if state == m.Authorization.State.WITHDRAWN:
        return (
            _(
                "L'autorisation %(number)s de l'équipement est retirée le %(day)s (décision %(ref)s)."
            )
            % values
        )
    if state == m.Authorization.State.NOT_STARTED:
        return (
            _("L'autorisation %(number)s de l'équipement n'est pas encore en vigueur le %(day)s.")
            % values
        )
    return _("L'autorisation %(number)s de l'équipement a expiré avant le %(day)s.") % values


@dataclass(frozen=True)
class Alert:
    level: str  # "danger" (nothing may happen) or "warning" (ends soon)
    message: str
    url: str
    due: dt.date | None


def alerts(*, platform: m.Platform | None, today: dt.date, equipment_ids=None) -> list[Alert]:
    """What the coordinator must act on: devices whose authorisation is not in force today
    (expired, suspended, withdrawn, missing), those ending within ``ALERT_DAYS`` with no
    successor, and the PIMM's own authorisation's renewal; most urgent first."""
    out: list[Alert] = []
    devices = m.Equipment.objects.filter(active=True).select_related("site")
    if equipment_ids is not None:
        devices = devices.filter(pk__in=list(equipment_ids))
    devices = {e.pk: e for e in devices}
    by_device = _by_device(devices)
    for pk, state in _states(by_device, today).items():
        eq = devices[pk]
        if state.state != m.Authorization.State.IN_FORCE:
            msg = _("%(device)s : autorisation %(state)s — ni planification ni rendez-vous.") % {
                "device": eq.name,
                "state": state.label,
            }
            out.append(Alert("danger", msg, eq.get_absolute_url(), None))
            continue
        horizon = today + dt.timedelta(days=ALERT_DAYS)
        successor = any(a.starts_on >= state.until for a in by_device[pk])
        if state.until <= horizon and not successor:
            msg = _("%(device)s : l'autorisation %(number)s prend fin le %(day)s.") % {
                "device": eq.name,
                "number": state.authorization.number,
                "day": state.until.strftime("%d/%m/%Y"),
            }
            out.append(Alert("warning", msg, eq.get_absolute_url(), state.until))
    if platform is not None and platform.authorized_on:
        renewal = platform.renewal_due_on
        if today >= platform.expires_on:
            out.append(
                Alert(
                    "danger",
                    _("L'autorisation du plateau a pris fin le %(day)s.")
                    % {"day": platform.expires_on.strftime("%d/%m/%Y")},
                    "",
                    platform.expires_on,
                )
            )
        elif today + dt.timedelta(days=ALERT_DAYS) >= renewal:
            out.append(
                Alert(
                    "warning",
                    _(
                        "L'autorisation du plateau prend fin le %(end)s : demande de "
                        "renouvellement à déposer avant le %(due)s."
                    )
                    % {
                        "end": platform.expires_on.strftime("%d/%m/%Y"),
                        "due": renewal.strftime("%d/%m/%Y"),
                    },
                    "",
                    renewal,
                )
            )
    return sorted(out, key=lambda a: (a.level != "danger", a.due or dt.date.min))


ENDING = "ending"  # a list filter beside the states: in force, ending within ALERT_DAYS


def state_q(state: str, day: dt.date) -> Q:
    """The authorisations whose legal state on ``day`` is ``state`` (an ``Authorization.State``
    value, or ``ENDING``), as a query: the same rules as ``Authorization.state_on``."""
    st, status = m.Authorization.State, m.Authorization.Status
    decided = ~Q(status=status.GRANTED) & Q(status_from__isnull=False, status_from__lte=day)
    if state == st.SUSPENDED:
        return decided & Q(status=status.SUSPENDED)
    if state == st.WITHDRAWN:
        return decided & Q(status=status.WITHDRAWN)
    if state == st.NOT_STARTED:
        return ~decided & Q(starts_on__gt=day)
    if state == st.EXPIRED:
        return ~decided & Q(starts_on__lte=day, ends_on__lte=day)
    in_force = ~decided & Q(starts_on__lte=day, ends_on__gt=day)
    if state == st.IN_FORCE:
        return in_force
    if state == ENDING:
        horizon = day + dt.timedelta(days=ALERT_DAYS)
        ends_soon = Q(ends_on__lte=horizon) | Q(status_from__isnull=False, status_from__lte=horizon)
        return in_force & ends_soon
    raise ValueError(state)


def state_choices() -> list[tuple[str, str]]:
    return [
        *((s.value, str(s.label)) for s in m.Authorization.State),
        (ENDING, _("en vigueur, prend fin dans les %(n)s jours") % {"n": ALERT_DAYS}),
    ]
