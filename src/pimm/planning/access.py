"""Who may read and write planning objects: the planning room's policy table.

Built with the one pattern of `pimm.accounts.access` (see docs/architecture.md, "Access").

Two-member objects: a booking is written by the member whose vacation it takes (the booking's
member) and read as well by the member whose site hosts the device; the setup rows of a device
(opening hours, closures, templates) are read by the managers of its holder and of its host, and
written by the platform; a device is closed by whoever may write the device (its holder).
"""

from pimm.accounts.access import EVERYTHING, MEMBER_BOUND, WRITERS, Rule, Rules
from pimm.accounts.roles import Role
from pimm.planning import models as pm
from pimm.registry import access as registry_access

R = Role
__all__ = ["EVERYTHING", "RULES", "WRITERS"]
BOOKERS = frozenset({R.MEMBER_MANAGER, R.SECRETARY})
_MANAGER = frozenset({R.MEMBER_MANAGER})
DEVICE_PATHS = ("equipment__holder", "equipment__site__member")

RULES = Rules(
    objects={
        # plans and deviations are platform-wide: members see each other's shares (the convention)
        pm.VacationPlan: Rule(read_all=EVERYTHING | _MANAGER),
        pm.Booking: Rule(
            read_own=MEMBER_BOUND,
            read_paths=("member", "equipment__site__member"),
            write_own=BOOKERS,
            write_paths=("member",),
        ),
        # the setup screens (served by the registry's generic views, see screens.py)
        pm.DeviceProfile: Rule(read_own=_MANAGER, read_paths=DEVICE_PATHS),
        pm.OpeningHours: Rule(read_own=_MANAGER, read_paths=DEVICE_PATHS),
        pm.Closure: Rule(read_own=_MANAGER, read_paths=DEVICE_PATHS),
        pm.ExamType: Rule(read_all=EVERYTHING | {R.MEMBER_MANAGER, R.SECRETARY, R.RADIOLOGIST}),
        pm.SlotTemplate: Rule(read_own=_MANAGER, read_paths=DEVICE_PATHS),
        pm.SpecialisedQuota: Rule(
            read_own=_MANAGER,
            read_paths=("template__equipment__holder", "template__equipment__site__member"),
        ),
    },
    abilities={
        "manage_plans": WRITERS,
        "calendar": EVERYTHING | MEMBER_BOUND | {R.RADIOLOGIST},
        "indicators": EVERYTHING | _MANAGER,
        "book": WRITERS | BOOKERS,
        # a technologist declares a breakdown (a closure) of a device their member holds
        "breakdown": frozenset({R.TECHNOLOGIST}),
    },
)
SETUP_MODELS = (
    pm.DeviceProfile,
    pm.OpeningHours,
    pm.Closure,
    pm.ExamType,
    pm.SlotTemplate,
    pm.SpecialisedQuota,
)

visible = RULES.visible
writable = RULES.writable
can = RULES.can
require = RULES.require
can_read_any = RULES.can_read_any
fetch = RULES.fetch
get_for_user = RULES.fetch


def can_open_setup(user) -> bool:
    """The setup index opens when one of its screens does."""
    return any(can_read_any(user, model) for model in SETUP_MODELS)


def access_booking_for_user(user, pk, *, write: bool = False) -> pm.Booking:
    return fetch(user, pm.Booking, pk, write=write)


def access_plan_for_user(user, pk, *, write: bool = False) -> pm.VacationPlan:
    return fetch(user, pm.VacationPlan, pk, write=write)


def can_book_for(user, member_id: int) -> bool:
    """Whether this user may book (write a booking) for this member."""
    return RULES.writes_for(user, pm.Booking, member_id)


def can_see_booking_details(user, booking_member_id: int, site_member_id: int) -> bool:
    return RULES.reads_for(user, pm.Booking, booking_member_id, site_member_id)


def can_close_equipment(user, equipment) -> bool:
    """A device is closed by whoever writes it (the platform, its holder's manager) and, for a
    breakdown, by a technologist of its holder."""
    if can(user, "breakdown"):
        return user.member_id is not None and user.member_id == equipment.holder_id
    return registry_access.can_write(user, equipment)
