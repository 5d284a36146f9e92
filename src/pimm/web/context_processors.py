"""The navigation bar: only the entries the current user may open, asked of each room's rules
(the same `can`/`can_read_any` the pages call; never a role test of its own)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from pimm.accounts import access as accounts_access
from pimm.evaluation import access as evaluation_access
from pimm.interop import access as interop_access
from pimm.oncall import access as oncall_access
from pimm.planning.nav import planning_nav_items, planning_subnav_items
from pimm.registry import access
from pimm.registry import models as m
from pimm.worklist.access import nav_items as worklist_nav


def nav_items_for(user) -> list[tuple[str, str]]:
    if user is None or not user.is_authenticated:
        return []
    items = [(_("Tableau de bord"), reverse("web:dashboard"))]
    for model, label, url in (
        (m.Member, _("Membres"), "registry:member_list"),
        (m.Site, _("Sites"), "registry:site_list"),
        (m.Equipment, _("Équipements"), "registry:equipment_list"),
        (m.Authorization, _("Autorisations"), "registry:authorization_list"),
        (m.Practitioner, _("Radiologues"), "registry:practitioner_list"),
        (m.Technologist, _("MERM"), "registry:technologist_list"),
        (m.Convention, _("Convention"), "registry:convention_list"),
    ):
        if access.can_read_any(user, model):
            items.append((label, reverse(url)))
    items += planning_nav_items(user)
    if oncall_access.can(user, "rota_list"):
        items.append((_("Gardes"), reverse("oncall:index")))
    items += worklist_nav(user)
    if interop_access.RULES.can_read_any(user, interop_access.m.Channel):
        items.append((_("Interfaces"), reverse("interop_hl7:channels")))
    if evaluation_access.can(user, "view"):
        items.append((_("Évaluation"), reverse("evaluation:indicators")))
    if access.can_create(user, m.Site):
        items.append((_("Import"), reverse("registry:import")))
    if accounts_access.can(user, "manage_users"):
        items.append((_("Comptes"), reverse("accounts:users")))
    if accounts_access.can(user, "view_audit"):
        items.append((_("Audit"), reverse("accounts:audit")))
    return items


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "nav_items": nav_items_for(user),
        "planning_subnav": planning_subnav_items(user) if signed_in else [],
    }
