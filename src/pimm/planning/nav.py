"""Navigation entries of the planning pages (used by `pimm.web.context_processors`)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from pimm.planning import access
from pimm.registry import access as registry_access


def planning_nav_items(user) -> list[tuple[str, str]]:
    items = []
    if access.can_read_calendar(user):
        items.append((_("Planning"), reverse("planning:calendar")))
    if access.can_read_any(user, access.pm.VacationPlan):
        items.append((_("Vacations"), reverse("planning:plan_list")))
    if registry_access.can_read_any(user, access.pm.OpeningHours):
        items.append((_("Paramétrage"), reverse("planning:setup")))
    return items
