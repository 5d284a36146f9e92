"""Who may read and write planning objects: one table, one fetch per object (404 when refused).

Built on `pimm.registry.access` (roles, the 404 rule); member-bound roles reach bookings of their
member, and bookings on devices hosted on their member's sites (those they receive).
"""

from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from pimm.accounts.roles import Role
from pimm.planning import models as pm
from pimm.registry.access import EVERYTHING, WRITERS, _role

R = Role
MEMBER_BOUND = frozenset({R.MEMBER_MANAGER, R.SECRETARY, R.TECHNOLOGIST})
BOOKERS = frozenset({R.MEMBER_MANAGER, R.SECRETARY})


@dataclass(frozen=True)
class Policy:
    model: type[Model]
    read_all: frozenset
    read_own: frozenset = frozenset()
    read_paths: tuple[str, ...] = ()
    write_all: frozenset = WRITERS
    write_own: frozenset = frozenset()
    write_paths: tuple[str, ...] = ()


POLICIES: dict[type[Model], Policy] = {
    # plans and deviations are platform-wide: members see each other's shares (as in the convention)
    pm.VacationPlan: Policy(pm.VacationPlan, read_all=EVERYTHING | {R.MEMBER_MANAGER}),
    pm.Booking: Policy(
        pm.Booking,
        read_all=EVERYTHING,
        read_own=MEMBER_BOUND,
        read_paths=("member", "equipment__site__member"),
        write_own=BOOKERS,
        write_paths=("member",),
    ),
}

# pages that are not one object: who may open them
CALENDAR_READERS = EVERYTHING | MEMBER_BOUND | {R.RADIOLOGIST}
INDICATOR_READERS = EVERYTHING | {R.MEMBER_MANAGER}


def _filter(paths: tuple[str, ...], member_id: int | None) -> Q:
    if member_id is None or not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{path: member_id})
    return q


def visible(user, model: type[Model], queryset: QuerySet | None = None) -> QuerySet:
    policy = POLICIES[model]
    qs = queryset if queryset is not None else model._default_manager.all()
    role = _role(user)
    if role is None:
        return qs.none()
    if role in policy.read_all or role in policy.write_all:
        return qs
    if role in policy.read_own or role in policy.write_own:
        return qs.filter(
            _filter(policy.read_paths, user.member_id) | _filter(policy.write_paths, user.member_id)
        )
    return qs.none()


def writable(user, model: type[Model], queryset: QuerySet | None = None) -> QuerySet:
    policy = POLICIES[model]
    qs = queryset if queryset is not None else model._default_manager.all()
    role = _role(user)
    if role in policy.write_all:
        return qs
    if role in policy.write_own:
        return qs.filter(_filter(policy.write_paths, user.member_id))
    return qs.none()


def can_read_any(user, model: type[Model]) -> bool:
    policy = POLICIES[model]
    role = _role(user)
    return role is not None and role in (
        policy.read_all | policy.read_own | policy.write_all | policy.write_own
    )


def get_for_user(user, model: type[Model], pk, *, write: bool = False) -> Model:
    qs = writable(user, model) if write else visible(user, model)
    try:
        return qs.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_manage_plans(user) -> bool:
    return _role(user) in WRITERS


def can_read_calendar(user) -> bool:
    return _role(user) in CALENDAR_READERS


def can_read_indicators(user) -> bool:
    return _role(user) in INDICATOR_READERS


def can_book(user) -> bool:
    role = _role(user)
    return role in WRITERS or (role in BOOKERS and user.member_id is not None)


def can_book_for(user, member_id: int) -> bool:
    role = _role(user)
    return role in WRITERS or (role in BOOKERS and user.member_id == member_id)


def can_see_booking_details(user, booking_member_id: int, site_member_id: int) -> bool:
    role = _role(user)
    if role in EVERYTHING:
        return True
    return role in MEMBER_BOUND and user.member_id in (booking_member_id, site_member_id)


def can_close_equipment(user, equipment) -> bool:
    role = _role(user)
    return role in WRITERS or (role == R.MEMBER_MANAGER and user.member_id == equipment.holder_id)
