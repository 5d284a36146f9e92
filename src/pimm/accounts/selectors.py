"""Reads for accounts: the audit trail as each role may see it."""

from django.db.models import QuerySet

from pimm.accounts.models import ApiToken, AuditEvent, User
from pimm.accounts.roles import Role
from pimm.accounts.second_factor import token_allowed


def audit_events_for(user, filters: dict) -> QuerySet:
    events = AuditEvent.objects.all()
    if not (user.is_platform_staff or user.is_reviewer):
        if user.role != Role.MEMBER_MANAGER or user.member_id is None:
            return events.none()
        events = events.filter(member_id=user.member_id)
    if filters.get("model"):
        events = events.filter(model=filters["model"])
    if filters.get("member"):
        events = events.filter(member_id=filters["member"])
    if filters.get("username"):
        events = events.filter(username__icontains=filters["username"])
    if filters.get("action"):
        events = events.filter(action=filters["action"])
    if filters.get("object_id"):
        events = events.filter(object_id=filters["object_id"])
    if filters.get("since"):
        events = events.filter(at__date__gte=filters["since"])
    if filters.get("until"):
        events = events.filter(at__date__lte=filters["until"])
    if filters.get("q"):
        events = events.filter(object_repr__icontains=filters["q"])
    return events


def audited_models(events: QuerySet) -> list[tuple[str, str]]:
    """`(app_label, model)` of the objects the given events name."""
    return list(events.order_by().values_list("app_label", "model").distinct())


def audit_member_choices(user) -> list[tuple[int, str]]:
    """The members the user may filter the trail by: every member for the platform's staff and
    the reviewer, none for a member manager (the trail is already theirs)."""
    if not (user.is_platform_staff or user.is_reviewer):
        return []
    member_model = User._meta.get_field("member").related_model
    return [(m.pk, str(m)) for m in member_model._base_manager.order_by("name")]


def api_token_user(raw: str):
    """The user an API token (its raw value) signs in, or None."""
    found = ApiToken.objects.authenticate(raw)
    if found is None or not token_allowed(found):  # issued before the second factor: refused
        return None
    return found.user
