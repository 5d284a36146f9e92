"""Who may do what with on-call rotas: one table of roles per action, one fetch per object.

Built on the registry's rules (``pimm.registry.access``: the same roles, superusers count as
coordinators, 404 for both missing and forbidden objects).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from pimm.accounts.roles import Role as R
from pimm.registry import access as registry_access
from pimm.registry.models import Practitioner

from .models import Rota

MANAGERS = registry_access.WRITERS  # coordinator, administrator
READ_ALL = registry_access.EVERYTHING  # + the ARS reviewer (read-only)

# action -> roles allowed; member managers are scoped to their member where it matters.
# Every user of the platform reads the published rotas (a technologist on a night needs to
# know which radiologist is on call); drafts stay with those who build them: the ARS reviewer
# reads what the platform commits to, i.e. published and superseded rotas, never a draft.
PLATFORM_USERS = READ_ALL | {R.MEMBER_MANAGER, R.SECRETARY, R.TECHNOLOGIST, R.RADIOLOGIST}
PUBLIC_STATUSES = (Rota.Status.PUBLISHED, Rota.Status.SUPERSEDED)

ACTIONS: dict[str, frozenset] = {
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
    "export": READ_ALL | {R.MEMBER_MANAGER},  # CSV/XLSX for pay; managers get their member only
    "print": PLATFORM_USERS,
    "calendar": frozenset({R.RADIOLOGIST}),
}


def role(user) -> str | None:
    return registry_access._role(user)


def can(user, action: str) -> bool:
    return role(user) in ACTIONS[action]


def require(user, action: str) -> None:
    if not can(user, action):
        raise PermissionDenied


def visible_rotas(user):
    r = role(user)
    qs = Rota.objects.all()
    if r in ACTIONS["draft_read"]:
        return qs
    if r in ACTIONS["published_read"]:
        return qs.filter(status__in=PUBLIC_STATUSES)
    return qs.none()


def get_rota(user, pk, *, manage: bool = False) -> Rota:
    """The rota if this user may read it (or manage it); 404 otherwise, missing or forbidden."""
    if manage and not can(user, "rota_manage"):
        raise Http404
    try:
        return visible_rotas(user).get(pk=pk)
    except (Rota.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def own_practitioner(user) -> Practitioner | None:
    if role(user) != R.RADIOLOGIST:
        return None
    return Practitioner.objects.filter(user=user).select_related("member").first()


def export_member_id(user) -> int | None:
    """The member whose rows an export is limited to (None: all rows)."""
    if role(user) == R.MEMBER_MANAGER:
        return user.member_id or -1
    return None
