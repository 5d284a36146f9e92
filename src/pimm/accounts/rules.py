"""Permission predicates shared by every app (django-rules); object rules live in each app."""

import rules

from pimm.accounts.roles import Role


@rules.predicate
def is_platform_staff(user) -> bool:
    return bool(getattr(user, "is_platform_staff", False))


@rules.predicate
def is_reviewer(user) -> bool:
    return bool(getattr(user, "is_reviewer", False))


@rules.predicate
def is_member_manager(user) -> bool:
    return user.is_authenticated and user.is_active and user.role == Role.MEMBER_MANAGER


@rules.predicate
def is_radiologist(user) -> bool:
    return user.is_authenticated and user.is_active and user.role == Role.RADIOLOGIST


reads_everything = is_platform_staff | is_reviewer

rules.add_perm("accounts.view_audit", is_platform_staff | is_reviewer | is_member_manager)
rules.add_perm("accounts.manage_users", is_platform_staff)
