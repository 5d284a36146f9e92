"""Who may read and write which registry object: one table, one fetch per object.

Every view and API endpoint goes through `visible()` for lists and `get_for_user()` for one object,
which answers 404 for both "missing" and "forbidden" so that ids of other members leak nothing.
"""

from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from pimm.accounts.roles import Role
from pimm.registry import models as m

R = Role
EVERYTHING = frozenset({R.COORDINATOR, R.ADMINISTRATOR, R.ARS_REVIEWER})
WRITERS = frozenset({R.COORDINATOR, R.ADMINISTRATOR})


@dataclass(frozen=True)
class Policy:
    model: type[Model]
    member_paths: tuple[str, ...]  # lookups from the object to its member(s); () = platform-wide
    read_all: frozenset = EVERYTHING  # roles that read every row
    read_own: frozenset = frozenset()  # roles that read rows of their member
    write_own: frozenset = frozenset()  # roles that write rows of their member
    read_self: frozenset = frozenset()  # roles that read the row linked to their user
    create_own: bool = True  # whether write_own roles may create rows in their member


_MEMBER_READERS = frozenset({R.MEMBER_MANAGER, R.SECRETARY, R.TECHNOLOGIST})

POLICIES: dict[type[Model], Policy] = {
    m.Platform: Policy(
        m.Platform,
        (),
        read_all=EVERYTHING | {R.MEMBER_MANAGER, R.SECRETARY, R.TECHNOLOGIST, R.RADIOLOGIST},
    ),
    m.Convention: Policy(m.Convention, (), read_all=EVERYTHING | {R.MEMBER_MANAGER}),
    m.SharingKey: Policy(m.SharingKey, (), read_all=EVERYTHING | {R.MEMBER_MANAGER}),
    m.Member: Policy(
        m.Member,
        ("pk",),
        read_own=_MEMBER_READERS,
        write_own=frozenset({R.MEMBER_MANAGER}),
        create_own=False,
    ),
    m.Site: Policy(
        m.Site, ("member",), read_own=_MEMBER_READERS, write_own=frozenset({R.MEMBER_MANAGER})
    ),
    m.Equipment: Policy(
        m.Equipment,
        ("holder", "site__member"),
        read_own=_MEMBER_READERS,
        write_own=frozenset({R.MEMBER_MANAGER}),
    ),
    m.Authorization: Policy(
        m.Authorization,
        ("equipment__holder", "equipment__site__member"),
        read_own=_MEMBER_READERS,
        write_own=frozenset({R.MEMBER_MANAGER}),
    ),
    m.Practitioner: Policy(
        m.Practitioner,
        ("member",),
        read_own=frozenset({R.MEMBER_MANAGER, R.SECRETARY}),
        write_own=frozenset({R.MEMBER_MANAGER}),
        read_self=frozenset({R.RADIOLOGIST}),
    ),
    m.Technologist: Policy(
        m.Technologist,
        ("member",),
        read_own=frozenset({R.MEMBER_MANAGER, R.SECRETARY}),
        write_own=frozenset({R.MEMBER_MANAGER}),
        read_self=frozenset({R.TECHNOLOGIST}),
    ),
}


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _role(user) -> str | None:
    if not _active(user):
        return None
    return R.COORDINATOR if user.is_superuser else user.role


def _own_filter(policy: Policy, member_id: int | None) -> Q:
    if member_id is None or not policy.member_paths:
        return Q(pk__in=[])
    q = Q()
    for path in policy.member_paths:
        q |= Q(**{path: member_id})
    return q


def visible(user, model: type[Model], queryset: QuerySet | None = None) -> QuerySet:
    """The rows of `model` this user may read."""
    policy = POLICIES[model]
    qs = queryset if queryset is not None else model._default_manager.all()
    role = _role(user)
    if role is None:
        return qs.none()
    if role in policy.read_all:
        return qs
    q = Q(pk__in=[])
    if role in policy.read_own | policy.write_own:
        q |= _own_filter(policy, user.member_id)
    if role in policy.read_self:
        q |= Q(user=user)
    return qs.filter(q).distinct() if len(policy.member_paths) > 1 else qs.filter(q)


def can_read_any(user, model: type[Model]) -> bool:
    policy = POLICIES[model]
    role = _role(user)
    return role is not None and role in (
        policy.read_all | policy.read_own | policy.write_own | policy.read_self
    )


def can_create(user, model: type[Model]) -> bool:
    policy = POLICIES[model]
    role = _role(user)
    if role in WRITERS:
        return True
    return role in policy.write_own and policy.create_own and user.member_id is not None


def writable(user, model: type[Model], queryset: QuerySet | None = None) -> QuerySet:
    policy = POLICIES[model]
    qs = queryset if queryset is not None else model._default_manager.all()
    role = _role(user)
    if role in WRITERS:
        return qs
    if role in policy.write_own:
        return qs.filter(_own_filter(policy, user.member_id)).distinct()
    return qs.none()


def can_write(user, obj: Model) -> bool:
    return writable(user, type(obj)).filter(pk=obj.pk).exists()


def get_for_user(user, model: type[Model], pk, *, write: bool = False) -> Model:
    """The object if this user may read (or write) it; 404 otherwise, missing or forbidden."""
    qs = writable(user, model) if write else visible(user, model)
    try:
        return qs.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def member_choices(user) -> QuerySet:
    """Members a user may attach a new object to."""
    if _role(user) in WRITERS:
        return m.Member.objects.all()
    if _role(user) == R.MEMBER_MANAGER and user.member_id:
        return m.Member.objects.filter(pk=user.member_id)
    return m.Member.objects.none()
