"""The one way pimm decides access: each room declares one policy table in its `access.py`.

A room's table is a `Rules` made of

- `objects`: one `Rule` per model, saying which roles read and write which rows (every row, the
  rows of their member through named lookups, the rows linked to their own user, the rows every
  such role may read, e.g. published rotas);
- `abilities`: one set of roles per action that is not one object ("open the calendar", "manage
  rotas").

From the same table come the list scoping (`visible`, `writable`, used by the room's selectors and
views), the fetch of one object (`fetch`, which answers 404 for missing and forbidden alike, so ids
of other members leak nothing), the checks (`can`, `can_read_any`, `can_create`, `can_write`) and
the navigation bar (`pimm.web.context_processors` asks `can`/`can_read_any`, never a role).
See docs/architecture.md, "Access".
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from pimm.accounts.roles import Role

R = Role
NOBODY: frozenset = frozenset()
# who runs the platform (read and write everything) and who reads everything
WRITERS = frozenset({R.COORDINATOR, R.ADMINISTRATOR})
EVERYTHING = WRITERS | {R.ARS_REVIEWER}
MEMBER_BOUND = frozenset({R.MEMBER_MANAGER, R.SECRETARY, R.TECHNOLOGIST})
PLATFORM_USERS = EVERYTHING | MEMBER_BOUND | {R.RADIOLOGIST}


def role_of(user) -> str | None:
    """The role access is decided on: None when signed out or inactive; superusers coordinate."""
    if not (user and user.is_authenticated and user.is_active):
        return None
    return R.COORDINATOR if user.is_superuser else user.role


def _any_of(paths: tuple[str, ...], value) -> Q:
    if value is None or not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{path: value})
    return q


@dataclass(frozen=True)
class Rule:
    """Who reads and writes which rows of one model.

    `*_paths` are ORM lookups from the row to a member (`read_paths`, `write_paths`) or to a user
    (`self_paths`). A row that involves two members lists both in `read_paths` and only the one
    that decides in `write_paths` (a device: read by its holder and its site's owner, written by
    its holder)."""

    read_all: frozenset = EVERYTHING
    read_own: frozenset = NOBODY
    read_paths: tuple[str, ...] = ()
    read_self: frozenset = NOBODY
    self_paths: tuple[str, ...] = ("user",)
    read_public: frozenset = NOBODY  # roles that read the rows matching `public`
    public: Q = field(default_factory=lambda: Q(pk__in=[]))
    write_all: frozenset = WRITERS
    write_own: frozenset = NOBODY
    write_paths: tuple[str, ...] = ()
    create_own: bool = True  # whether write_own roles may create rows in their member

    def readers(self) -> frozenset:
        return self.read_all | self.read_own | self.read_self | self.read_public | self.writers()

    def writers(self) -> frozenset:
        return self.write_all | self.write_own


@dataclass(frozen=True)
class Rules:
    """One room's policy table (see the module docstring)."""

    objects: Mapping[type[Model], Rule] = field(default_factory=dict)
    abilities: Mapping[str, frozenset] = field(default_factory=dict)

    # -- actions -----------------------------------------------------------------------------
    def can(self, user, ability: str) -> bool:
        return role_of(user) in self.abilities[ability]

    def require(self, user, ability: str) -> None:
        """For pages that are not one object: 403 when the role may not open them."""
        if not self.can(user, ability):
            raise PermissionDenied

    # -- rows --------------------------------------------------------------------------------
    def _qs(self, model, queryset):
        return queryset if queryset is not None else model._default_manager.all()

    def visible(self, user, model: type[Model], queryset: QuerySet | None = None) -> QuerySet:
        """The rows of `model` this user may read."""
        rule = self.objects[model]
        qs = self._qs(model, queryset)
        role = role_of(user)
        if role is None:
            return qs.none()
        if role in rule.read_all or role in rule.write_all:
            return qs
        q = Q(pk__in=[])
        paths: tuple[str, ...] = ()
        if role in rule.read_own or role in rule.write_own:
            paths = rule.read_paths + tuple(p for p in rule.write_paths if p not in rule.read_paths)
            q |= _any_of(paths, user.member_id)
        if role in rule.read_self:
            q |= _any_of(rule.self_paths, user.pk)
        if role in rule.read_public:
            q |= rule.public
        if len(paths) + (len(rule.self_paths) if role in rule.read_self else 0) > 1:
            return qs.filter(pk__in=model._default_manager.filter(q).values("pk"))
        return qs.filter(q)

    def writable(self, user, model: type[Model], queryset: QuerySet | None = None) -> QuerySet:
        """The rows of `model` this user may change."""
        rule = self.objects[model]
        qs = self._qs(model, queryset)
        role = role_of(user)
        if role in rule.write_all:
            return qs
        if role in rule.write_own:
            q = _any_of(rule.write_paths, user.member_id)
            if len(rule.write_paths) > 1:
                return qs.filter(pk__in=model._default_manager.filter(q).values("pk"))
            return qs.filter(q)
        return qs.none()

    def can_read_any(self, user, model: type[Model]) -> bool:
        """Whether the list of `model` opens for this user (the rows are then scoped)."""
        return role_of(user) in self.objects[model].readers()

    def can_create(self, user, model: type[Model]) -> bool:
        rule = self.objects[model]
        role = role_of(user)
        if role in rule.write_all:
            return True
        return role in rule.write_own and rule.create_own and user.member_id is not None

    def reads_for(self, user, model: type[Model], *member_ids: int | None) -> bool:
        """Whether this user reads a `model` row that involves these members (before it exists,
        or without fetching it: a calendar cell)."""
        rule = self.objects[model]
        role = role_of(user)
        if role in rule.read_all or role in rule.write_all:
            return True
        own = role in rule.read_own or role in rule.write_own
        return own and user.member_id is not None and user.member_id in member_ids

    def writes_for(self, user, model: type[Model], member_id: int | None) -> bool:
        """Whether this user may write a `model` row of this member (e.g. book for it)."""
        rule = self.objects[model]
        role = role_of(user)
        if role in rule.write_all:
            return True
        return role in rule.write_own and user.member_id is not None and user.member_id == member_id

    def can_write(self, user, obj: Model) -> bool:
        return self.writable(user, type(obj)).filter(pk=obj.pk).exists()

    def fetch(
        self,
        user,
        model: type[Model],
        pk,
        *,
        write: bool = False,
        queryset: QuerySet | None = None,
    ) -> Model:
        """The object if this user may read (or write) it; 404 otherwise, missing or forbidden."""
        qs = (self.writable if write else self.visible)(user, model, queryset)
        try:
            return qs.get(pk=pk)
        except (model.DoesNotExist, ValueError, TypeError):
            raise Http404 from None


# ---- the accounts room ---------------------------------------------------------------------

RULES = Rules(
    abilities={
        "view_audit": EVERYTHING | {R.MEMBER_MANAGER},  # managers see their member's entries
        "manage_users": WRITERS,
    },
)
can = RULES.can
require = RULES.require
