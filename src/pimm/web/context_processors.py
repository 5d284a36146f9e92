"""The navigation bar: only the entries the current user may open, asked of each room's rules
(the same `can`/`can_read_any` the pages call; never a role test of its own)."""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pimm.accounts import access as accounts_access
from pimm.evaluation import access as evaluation_access
from pimm.interop import access as interop_access
from pimm.ledger import access as ledger_access
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
    if ledger_access.can(user, "ledger"):
        items.append((_("Finances"), reverse("ledger:periods")))
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


# A menu longer than this is shown as drop-down groups (the coordinator's has 18 entries)
GROUP_ABOVE = 8
# (URL prefix, group label): a room's entries share a group; the first matching prefix wins
NAV_GROUPS = (
    ("/registre/", gettext_lazy("Registre")),
    ("/planning/", gettext_lazy("Planning")),
    ("/gardes/", gettext_lazy("Gardes")),
    ("/lecture/", gettext_lazy("Lecture")),
    ("/comptabilite/", gettext_lazy("Pilotage")),  # the money and the ARS's figures: the steering
    ("/evaluation/", gettext_lazy("Pilotage")),
    ("/comptes/", gettext_lazy("Administration")),
    ("/interfaces/", gettext_lazy("Administration")),  # the hospitals' channels
)


@dataclass
class NavEntry:
    """One entry of the main menu: a link, or a group of links (`<details>` in base.html)."""

    label: str
    url: str = ""
    children: list[tuple[str, str]] = field(default_factory=list)

    def is_active(self, path: str) -> bool:
        urls = [u for _label, u in self.children] or [self.url]
        return any(path == u or (u != "/" and path.startswith(u)) for u in urls)


def nav_entries(items: list[tuple[str, str]]) -> list[NavEntry]:
    """The menu as shown: flat when short; otherwise each room's links in one group, in the order
    of their first entry (a group of one link stays a link)."""
    if len(items) <= GROUP_ABOVE:
        return [NavEntry(label, url) for label, url in items]
    entries: list[NavEntry] = []
    groups: dict[str, NavEntry] = {}
    for label, url in items:
        group = next((str(name) for prefix, name in NAV_GROUPS if url.startswith(prefix)), None)
        if group is None:
            entries.append(NavEntry(label, url))
        elif group in groups:
            groups[group].children.append((label, url))
        else:
            groups[group] = NavEntry(group, children=[(label, url)])
            entries.append(groups[group])
    for entry in entries:
        if len(entry.children) == 1:
            entry.label, entry.url = entry.children.pop()
    return entries


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    items = nav_items_for(user)
    path = getattr(request, "path", "")
    entries = nav_entries(items)
    return {
        "nav_items": items,
        "nav_entries": [(e, e.is_active(path)) for e in entries],
        "planning_subnav": planning_subnav_items(user) if signed_in else [],
    }
