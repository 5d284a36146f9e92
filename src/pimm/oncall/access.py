"""Who may do what with on-call rotas: the duty room's policy table.

Built with the one pattern of `pimm.accounts.access` (see docs/architecture.md, "Access"): one
ability per action that is not one object, one rule per object, one fetch per object (404 for
missing and forbidden alike).
"""

from django.db.models import Q
from django.http import Http404

from pimm.accounts.access import EVERYTHING, PLATFORM_USERS, WRITERS, Rule, Rules, role_of
from pimm.accounts.lifecycle import PUBLIC
from pimm.accounts.roles import Role as R
from pimm.registry import selectors as registry
from pimm.registry.models import Practitioner

from .models import ReaderPresence, Rota

MANAGERS = WRITERS  # coordinator, administrator
READ_ALL = EVERYTHING  # + the ARS reviewer (read-only)
__all__ = ["MANAGERS", "PLATFORM_USERS", "READ_ALL", "RULES"]

# Every user of the platform reads the published rotas (a technologist on a night needs to
# know which radiologist is on call); drafts stay with those who build them: the ARS reviewer
# reads what the platform commits to, i.e. published and superseded rotas, never a draft.
PUBLIC_STATUSES = tuple(PUBLIC)

RULES = Rules(
    objects={
        Rota: Rule(
            read_all=MANAGERS,
            read_public=PLATFORM_USERS,
            public=Q(status__in=PUBLIC_STATUSES),
        ),
        # the presence plan: the platform's, and a member manager's for their radiologists
        ReaderPresence: Rule(
            read_all=MANAGERS,
            read_own=frozenset({R.MEMBER_MANAGER}),
            read_paths=("practitioner__member",),
            write_own=frozenset({R.MEMBER_MANAGER}),
            write_paths=("practitioner__member",),
        ),
    },
    # ability -> roles allowed; member managers are scoped to their member where it matters.
    abilities={
        "rota_list": PLATFORM_USERS,
        "published_read": PLATFORM_USERS,
        "draft_read": MANAGERS,
        "rota_manage": MANAGERS,  # create, generate, lock, publish, re-solve, approve swaps
        "line_read": READ_ALL,
        "line_write": MANAGERS,
        "weights_read": READ_ALL | {R.MEMBER_MANAGER, R.RADIOLOGIST},  # as the fairness page
        "weights_write": MANAGERS,
        "wishes": MANAGERS | {R.RADIOLOGIST},  # unavailabilities and preferences
        "swaps": READ_ALL | {R.RADIOLOGIST},
        "fairness": READ_ALL | {R.MEMBER_MANAGER, R.RADIOLOGIST},
        "export": READ_ALL | {R.MEMBER_MANAGER},  # CSV/XLSX for pay; managers: their member only
        "print": PLATFORM_USERS,
        "calendar": frozenset({R.RADIOLOGIST}),
        "presences": MANAGERS | {R.MEMBER_MANAGER},
    },
)
ACTIONS = RULES.abilities
can = RULES.can
require = RULES.require
role = role_of


def visible_rotas(user):
    return RULES.visible(user, Rota)


def get_rota(user, pk, *, manage: bool = False) -> Rota:
    """The rota if this user may read it (or manage it); 404 otherwise, missing or forbidden."""
    if manage and not can(user, "rota_manage"):
        raise Http404
    return RULES.fetch(user, Rota, pk)


access_rota_for_user = get_rota


def own_practitioner(user) -> Practitioner | None:
    if role(user) != R.RADIOLOGIST:
        return None
    return Practitioner.objects.filter(user=user).select_related("member").first()


def export_member_id(user) -> int | None:
    """The member whose rows an export is limited to (None: all rows)."""
    if role(user) == R.MEMBER_MANAGER:
        return user.member_id or -1
    return None


def can_manage_presences(user) -> bool:
    return can(user, "presences") and (role(user) in MANAGERS or user.member_id is not None)


def presences_for(user):
    """Presence rows this user may see and change: all, or their member's radiologists'."""
    qs = ReaderPresence.objects.select_related("practitioner__member", "site")
    return RULES.writable(user, ReaderPresence, qs)


def presence_practitioners(user):
    """Radiologists a user may give a presence to."""
    qs = registry.active_practitioners()
    r = role(user)
    if r in MANAGERS:
        return qs
    if r == R.MEMBER_MANAGER and user.member_id:
        return qs.filter(member_id=user.member_id)
    return qs.none()


def get_presence_for_user(user, pk) -> ReaderPresence:
    return RULES.fetch(user, ReaderPresence, pk, write=True, queryset=presences_for(user))


access_presence_for_user = get_presence_for_user
