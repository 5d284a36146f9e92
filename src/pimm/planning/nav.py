"""Navigation entries of the planning pages (used by `pimm.web.context_processors`): derived from
the same rules as the pages (`planning.access`)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from pimm.planning import access
from pimm.planning import models as pm


def planning_nav_items(user) -> list[tuple[str, str]]:
    items = []
    if access.can(user, "calendar"):
        items.append((_("Planning"), reverse("planning:calendar")))
    if access.can_read_any(user, pm.VacationPlan):
        items.append((_("Vacations"), reverse("planning:plan_list")))
    if access.can_open_setup(user):
        items.append((_("Paramétrage"), reverse("planning:setup")))
    return items


def planning_subnav_items(user) -> list[tuple[str, str]]:
    """The planning pages' own menu (planning/_nav.html): the same rules as the pages."""
    items = []
    if access.can(user, "calendar"):
        items.append((_("Planning des appareils"), reverse("planning:calendar")))
    if access.can_read_any(user, pm.Booking):
        items.append((_("Rendez-vous"), reverse("planning:booking_list")))
    if access.can_read_any(user, pm.VacationPlan):
        items.append((_("Plans de vacations"), reverse("planning:plan_list")))
    if access.can(user, "indicators"):
        items.append((_("Indicateurs"), reverse("planning:indicators")))
    if access.can_open_setup(user):
        items.append((_("Paramétrage"), reverse("planning:setup")))
    return items
