"""Sane periods: one rule for every dated thing of the cooperation (leave, closures, conventions,
authorisations, plans, rotas), so that 0001-01-01 to 9999-12-31 is refused in French with the
field named, wherever it is typed, imported or posted."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARLIEST = dt.date(1950, 1, 1)  # nothing of a PIMM (created by the 2016 law) is older
LATEST = dt.date(2100, 12, 31)


def _day(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def check_date(value: dt.date | dt.datetime | None, field: str) -> None:
    """A date (or datetime) between 1950 and 2100, else a French error on ``field``."""
    if value is None:
        return
    day = _day(value)
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(
            {
                field: _("Date hors des limites (entre le %(lo)s et le %(hi)s).")
                % {"lo": EARLIEST.strftime("%d/%m/%Y"), "hi": LATEST.strftime("%d/%m/%Y")}
            }
        )


def check_period(
    start: dt.date | dt.datetime | None,
    end: dt.date | dt.datetime | None,
    *,
    max_days: int | None = None,
    start_field: str = "start",
    end_field: str = "end",
    allow_same: bool = True,
) -> None:
    """Both ends within the bounds, the end not before the start (nor equal with
    ``allow_same=False``) and, with ``max_days``, a period no longer than that."""
    check_date(start, start_field)
    check_date(end, end_field)
    if start is None or end is None:
        return
    if end < start or (not allow_same and end == start):
        raise ValidationError({end_field: _("La fin de la période précède son début.")})
    if max_days is not None and (_day(end) - _day(start)).days + 1 > max_days:
        raise ValidationError(
            {end_field: _("Période trop longue : au plus %(n)s jours.") % {"n": max_days}}
        )


def parse_day(text: str) -> dt.date | None:
    """A date typed AAAA-MM-JJ or JJ/MM/AAAA; None when it is neither."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def period_from_query(
    params, *, today: dt.date, default_days: int, max_days: int
) -> tuple[dt.date, dt.date, str]:
    """The period a page shows from its ``debut``/``fin`` query parameters (both days
    included); by default the ``default_days`` days ending today. A bad or too long period
    gives the default period and a French message saying why (never an error page)."""
    default = (today - dt.timedelta(days=default_days - 1), today)
    start_text, end_text = params.get("debut", ""), params.get("fin", "")
    if not start_text and not end_text:
        return (*default, "")
    start = parse_day(start_text) if start_text else default[0]
    end = parse_day(end_text) if end_text else default[1]
    if start is None or end is None:
        return (*default, _("Date illisible : utilisez AAAA-MM-JJ ou JJ/MM/AAAA."))
    try:
        check_period(start, end, max_days=max_days, start_field="debut", end_field="fin")
    except ValidationError as exc:
        return (*default, " ".join(exc.messages))
    return start, end, ""
