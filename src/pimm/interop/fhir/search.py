"""Search: the parameters ``_id``, ``identifier`` (system|value), the type's date parameters
(prefixes eq, gt, lt, ge, le), ``status``, ``_count`` and ``_offset`` (paging), and the
searchset Bundle with its ``self``/``next``/``previous`` links and ``total``.

Any other parameter, a malformed value or an unknown status code is a 400 with a French
diagnostic (a server that ignored them would answer more than was asked)."""

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pimm.interop.fhir.kinds import Ctx, Kind, Part
from pimm.interop.fhir.outcome import FhirError

DEFAULT_COUNT = 20
MAX_COUNT = 100
MAX_OFFSET = 10**6
MAX_VALUE = 200
FORMAT_PARAMS = ("_format",)  # content negotiation, read by the API
ID_RE = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
DATE_RE = re.compile(
    r"^(?P<prefix>[a-z]{2})?(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d{1,9})?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)
PREFIXES = ("eq", "gt", "lt", "ge", "le")
MIN_YEAR, MAX_YEAR = 1900, 2100


@dataclass
class Search:
    kind: Kind
    count: int = DEFAULT_COUNT
    offset: int = 0
    # per part: the conditions every row must meet
    where: dict[int, list[Q]] = field(default_factory=dict)
    echo: list[tuple[str, str]] = field(default_factory=list)  # the parameters, for the links


def _bad(message) -> FhirError:
    return FhirError(400, message, "invalid")


def _int(name: str, value: str, high: int) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise _bad(_("Le paramètre %(name)s attend un entier positif.") % {"name": name})
    return min(int(value), high)


def date_range(value: str) -> tuple[str, dt.datetime, dt.datetime]:
    """``ge2027-01-12`` -> ("ge", start, end): the instants the value covers, [start, end)."""
    match = DATE_RE.match(value)
    if not match:
        raise _bad(
            _("Date invalide « %(value)s » : attendu [préfixe]AAAA[-MM[-JJ[Thh:mm[:ss][±hh:mm]]]].")
            % {"value": value[:40]}
        )
    g = match.groupdict()
    prefix = g["prefix"] or "eq"
    if prefix not in PREFIXES:
        raise _bad(
            _("Préfixe de date « %(prefix)s » non pris en charge (eq, gt, lt, ge, le).")
            % {"prefix": prefix}
        )
    year = int(g["year"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _bad(
            _("L'année doit être comprise entre %(low)s et %(high)s.")
            % {"low": MIN_YEAR, "high": MAX_YEAR}
        )
    try:
        start, step = _start_and_step(g)
    except ValueError:
        raise _bad(_("Date inexistante « %(value)s ».") % {"value": value[:40]}) from None
    end = _add(start, step)
    return prefix, start, end


def _start_and_step(g: dict) -> tuple[dt.datetime, str]:
    month, day = int(g["month"] or 1), int(g["day"] or 1)
    hour, minute, second = int(g["hour"] or 0), int(g["minute"] or 0), int(g["second"] or 0)
    naive = dt.datetime(int(g["year"]), month, day, hour, minute, second)
    if g["tz"]:
        tz = dt.UTC if g["tz"] == "Z" else _offset(g["tz"])
        start = naive.replace(tzinfo=tz)
    else:  # a date, or a time without offset: Paris time, the platform's
        start = timezone.make_aware(naive)
    step = (
        "second"
        if g["second"]
        else "minute"
        if g["minute"]
        else "day"
        if g["day"]
        else "month"
        if g["month"]
        else "year"
    )
    return start, step


def _offset(text: str) -> dt.timezone:
    sign = 1 if text[0] == "+" else -1
    hours, minutes = int(text[1:3]), int(text[4:6])
    if hours > 14 or minutes > 59:
        raise ValueError(text)
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _add(start: dt.datetime, step: str) -> dt.datetime:
    """The end of the range that starts at ``start`` and spans one ``step``."""
    if step in ("second", "minute"):
        return start + dt.timedelta(**{f"{step}s": 1})
    local = timezone.localtime(start)
    if step == "day":
        end = local.date() + dt.timedelta(days=1)
    elif step == "month":
        year, month = divmod(local.month, 12)
        end = dt.date(local.year + year, month + 1, 1)
    else:
        end = dt.date(local.year + 1, 1, 1)
    return timezone.make_aware(dt.datetime.combine(end, dt.time()))


def _date_q(name: str, value: str) -> Q:
    prefix, start, end = date_range(value)
    return {
        "eq": Q(**{f"{name}__gte": start, f"{name}__lt": end}),
        "ge": Q(**{f"{name}__gte": start}),
        "gt": Q(**{f"{name}__gte": end}),
        "le": Q(**{f"{name}__lt": end}),
        "lt": Q(**{f"{name}__lt": start}),
    }[prefix]


def _ids_q(part: Part, value: str) -> Q:
    pks = []
    for one in value.split(","):
        if not ID_RE.match(one):
            raise _bad(_("Identifiant de ressource invalide « %(id)s ».") % {"id": one[:70]})
        pk = part.pk_of(one)
        if pk is not None:
            pks.append(pk)
    return Q(pk__in=pks)


def _identifier_q(part: Part, value: str) -> Q:
    if part.identifier is None:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    for one in value.split(","):
        system, sep, code = one.partition("|")
        if not sep:
            system, code = None, one
        if not code:
            raise _bad(_("Le paramètre identifier attend système|valeur ou valeur."))
        q |= part.identifier(system, code)
    return q


def _status_q(kind: Kind, part: Part, value: str) -> Q:
    q = Q(pk__in=[])
    for code in value.split(","):
        if code not in kind.status_codes:
            raise _bad(
                _("Statut « %(code)s » inconnu pour %(type)s (valeurs : %(codes)s).")
                % {"code": code[:40], "type": kind.name, "codes": ", ".join(kind.status_codes)}
            )
        if code in part.statuses:
            q |= part.statuses[code]
    return q


def parse(kind: Kind, params: list[tuple[str, str]]) -> Search:
    """The search a query string asks for; FhirError(400) on anything this server cannot do."""
    search = Search(kind)
    seen: set[str] = set()
    allowed = {"_id", "_count", "_offset", *FORMAT_PARAMS, *kind.date_params}
    if kind.has_identifier:
        allowed.add("identifier")
    if kind.status_codes:
        allowed.add("status")
    for name, value in params:
        if name not in allowed:
            raise _bad(
                _("Paramètre de recherche « %(name)s » non pris en charge pour %(type)s.")
                % {"name": name[:40], "type": kind.name}
            )
        if len(value) > MAX_VALUE or "\x00" in value or not value:
            raise _bad(_("Valeur vide ou invalide pour le paramètre %(name)s.") % {"name": name})
        if name in FORMAT_PARAMS:
            continue
        if name in ("_count", "_offset"):
            if name in seen:
                raise _bad(_("Le paramètre %(name)s ne peut figurer qu'une fois.") % {"name": name})
            seen.add(name)
            if name == "_count":
                search.count = _int(name, value, MAX_COUNT)
            else:
                search.offset = _int(name, value, MAX_OFFSET)
            continue
        search.echo.append((name, value))
        for index, part in enumerate(kind.parts):
            if name == "_id":
                q = _ids_q(part, value)
            elif name == "identifier":
                q = _identifier_q(part, value)
            elif name == "status":
                q = _status_q(kind, part, value)
            elif name in part.dates:
                q = _date_q(part.dates[name], value)
            else:  # a date parameter of another part of the type
                _date_q("x", value)  # still checked
                q = Q(pk__in=[])
            search.where.setdefault(index, []).append(q)
    return search


@dataclass
class Page:
    total: int
    rows: list[tuple[Part, object]]


def run(search: Search, ctx: Ctx) -> Page:
    """The matching rows the caller may read, across the type's parts, one page of them."""
    querysets = []
    for index, part in enumerate(search.kind.parts):
        qs = part.prepare(part.rows(ctx.user))
        for q in search.where.get(index, []):
            qs = qs.filter(q)
        querysets.append((part, qs.order_by("pk")))
    counts = [qs.count() for _part, qs in querysets]
    rows: list[tuple[Part, object]] = []
    skip, want = search.offset, search.count
    for (part, qs), n in zip(querysets, counts, strict=True):
        if want <= 0:
            break
        if skip >= n:
            skip -= n
            continue
        for obj in qs[skip : skip + want]:
            rows.append((part, obj))
        want -= min(n - skip, want)
        skip = 0
    return Page(sum(counts), rows)


def links(base: str, search: Search, total: int) -> list[dict]:
    def url(offset: int) -> str:
        query = [*search.echo, ("_count", str(search.count)), ("_offset", str(offset))]
        return f"{base}?{urlencode(query)}"

    out = [{"relation": "self", "url": url(search.offset)}]
    if search.count and search.offset + search.count < total:
        out.append({"relation": "next", "url": url(search.offset + search.count)})
    if search.offset > 0:
        previous = max(0, min(search.offset, total) - max(search.count, 1))
        out.append({"relation": "previous", "url": url(previous)})
    return out
