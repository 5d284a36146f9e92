"""Who may read and write which registry object: the registry's policy table.

Built with the one pattern of `pimm.accounts.access` (see docs/architecture.md, "Access"). Every
view and API endpoint goes through `visible()` for lists and `fetch()` (or an
`access_<object>_for_user`) for one object, which answers 404 for both "missing" and "forbidden".

Two-member objects: a device held by member B on member A's site is written by B (the holder,
who answers for it to the ARS) and read by A (the site owner, who hosts it); so is its
authorisation.
"""

from django.db.models import QuerySet

from pimm.accounts.access import EVERYTHING, MEMBER_BOUND, PLATFORM_USERS, WRITERS, Rule, Rules
from pimm.accounts.access import role_of as _role_of
from pimm.accounts.roles import Role
from pimm.registry import models as m

R = Role
__all__ = ["EVERYTHING", "RULES", "WRITERS"]

_MANAGER = frozenset({R.MEMBER_MANAGER})

RULES = Rules(
    objects={
        m.Platform: Rule(read_all=PLATFORM_USERS),
        m.Convention: Rule(read_all=EVERYTHING | _MANAGER),
        m.SharingKey: Rule(read_all=EVERYTHING | _MANAGER),
        m.Member: Rule(
            read_own=MEMBER_BOUND,
            read_paths=("pk",),
            write_own=_MANAGER,
            write_paths=("pk",),
            create_own=False,
        ),
        m.Site: Rule(
            read_own=MEMBER_BOUND,
            read_paths=("member",),
            write_own=_MANAGER,
            write_paths=("member",),
        ),
        m.Equipment: Rule(
            read_own=MEMBER_BOUND,
            read_paths=("holder", "site__member"),
            write_own=_MANAGER,
            write_paths=("holder",),
        ),
        m.Authorization: Rule(
            read_own=MEMBER_BOUND,
            read_paths=("equipment__holder", "equipment__site__member"),
            write_own=_MANAGER,
            write_paths=("equipment__holder",),
        ),
        m.Practitioner: Rule(
            read_own=frozenset({R.MEMBER_MANAGER, R.SECRETARY}),
            read_paths=("member",),
            write_own=_MANAGER,
            write_paths=("member",),
            read_self=frozenset({R.RADIOLOGIST}),
        ),
        m.Technologist: Rule(
            read_own=frozenset({R.MEMBER_MANAGER, R.SECRETARY}),
            read_paths=("member",),
            write_own=_MANAGER,
            write_paths=("member",),
            read_self=frozenset({R.TECHNOLOGIST}),
        ),
        # an import job: read by the manager who uploaded it and by coordination, nobody else
        m.ImportJob: Rule(
            read_all=WRITERS,
            read_self=_MANAGER,
            self_paths=("created_by",),
        ),
    },
)

visible = RULES.visible
writable = RULES.writable
can_read_any = RULES.can_read_any
can_create = RULES.can_create
can_write = RULES.can_write
fetch = RULES.fetch
get_for_user = RULES.fetch


def access_import_job_for_user(user, pk) -> m.ImportJob:
    return fetch(user, m.ImportJob, pk)


def access_equipment_for_user(user, pk, *, write: bool = False) -> m.Equipment:
    return fetch(user, m.Equipment, pk, write=write)


def access_practitioner_for_user(user, pk, *, write: bool = False) -> m.Practitioner:
    return fetch(user, m.Practitioner, pk, write=write)


def member_choices(user) -> QuerySet:
    """Members a user may attach a new object to."""
    role = _role_of(user)
    if role in WRITERS:
        return m.Member.objects.all()
    if role == R.MEMBER_MANAGER and user.member_id:
        return m.Member.objects.filter(pk=user.member_id)
    return m.Member.objects.none()


def site_choices(user, current_site_id: int | None = None) -> QuerySet:
    """Sites a user may put a device on: their member's (all for the platform), plus the one the
    device already stands on (a holder keeps its device on the host's site, cannot move it to a
    third member's)."""
    qs = visible(user, m.Site)
    if current_site_id is None or _role_of(user) in WRITERS:
        return qs
    return m.Site.objects.filter(pk__in=qs.values("pk")) | m.Site.objects.filter(pk=current_site_id)
