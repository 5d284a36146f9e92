"""How each registry object is listed, searched, shown and edited: one declaration per object."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from pimm.registry import forms as f
from pimm.registry import list_filters as lf
from pimm.registry import models as m


@dataclass(frozen=True)
class Related:
    title: str
    screen: str
    queryset: Callable[[Model], QuerySet]


@dataclass(frozen=True)
class Screen:
    key: str
    model: type[Model]
    form: type[f.ScopedForm]
    title: str
    title_plural: str
    columns: tuple[tuple[str, str], ...]  # (label, attribute or dotted path)
    search: tuple[str, ...]
    select_related: tuple[str, ...] = ()
    m2m: tuple[str, ...] = ()
    related: tuple[Related, ...] = field(default_factory=tuple)
    detail_exclude: tuple[str, ...] = ("id",)
    filters: tuple[lf.Filter, ...] = ()


SCREENS: dict[str, Screen] = {
    s.key: s
    for s in (
        Screen(
            "platform",
            m.Platform,
            f.PlatformForm,
            _("plateau"),
            _("plateaux"),
            (
                (_("Nom"), "name"),
                (_("Structure"), "get_legal_form_display"),
                (_("Autorisé le"), "authorized_on"),
            ),
            ("name", "ars_decision"),
        ),
        Screen(
            "member",
            m.Member,
            f.MemberForm,
            _("membre"),
            _("membres"),
            (
                (_("Code"), "code"),
                (_("Raison sociale"), "name"),
                (_("Type"), "get_kind_display"),
                (_("FINESS"), "finess"),
                (_("SIREN"), "siren"),
            ),
            ("name", "code", "finess", "siren"),
            filters=(lf.by_choice("type", "kind", _("Type"), m.Member.Kind.choices),),
            related=(
                Related(_("Sites"), "site", lambda o: o.sites.all()),
                Related(_("Équipements détenus"), "equipment", lambda o: o.held_equipment.all()),
                Related(_("Radiologues"), "practitioner", lambda o: o.practitioners.all()),
            ),
        ),
        Screen(
            "site",
            m.Site,
            f.SiteForm,
            _("site"),
            _("sites"),
            (
                (_("Code"), "code"),
                (_("Nom"), "name"),
                (_("Membre"), "member"),
                (_("Commune"), "town"),
                (_("Département"), "departement"),
            ),
            ("name", "code", "town", "member__name", "finess"),
            select_related=("member",),
            filters=(lf.by_member("membre", "member"),),
            related=(Related(_("Équipements"), "equipment", lambda o: o.equipment.all()),),
        ),
        Screen(
            "equipment",
            m.Equipment,
            f.EquipmentForm,
            _("équipement"),
            _("équipements"),
            (
                (_("Code"), "code"),
                (_("Nom"), "name"),
                (_("Modalité"), "get_modality_display"),
                (_("Site"), "site"),
                (_("Titulaire"), "holder"),
            ),
            ("name", "code", "site__name", "holder__name", "manufacturer"),
            select_related=("site", "holder"),
            filters=(
                lf.by_choice("modalite", "modality", _("Modalité"), m.Modality.choices),
                lf.by_member("titulaire", "holder", _("Titulaire")),
                lf.by_flag("actif", "active", _("En service")),
            ),
            related=(
                Related(_("Autorisations"), "authorization", lambda o: o.authorizations.all()),
            ),
        ),
        Screen(
            "authorization",
            m.Authorization,
            f.AuthorizationForm,
            _("autorisation"),
            _("autorisations"),
            (
                (_("Décision"), "number"),
                (_("Équipement"), "equipment"),
                (_("Début"), "starts_on"),
                (_("Fin"), "ends_on"),
                (_("Titulaire"), "equipment.holder"),
                (_("État aujourd'hui"), "state_today"),
            ),
            ("number", "equipment__name", "equipment__code"),
            select_related=("equipment", "equipment__holder"),
            filters=(
                lf.AUTHORIZATION_STATE,
                lf.by_choice("modalite", "equipment__modality", _("Modalité"), m.Modality.choices),
                lf.by_member("titulaire", "equipment__holder", _("Titulaire")),
            ),
        ),
        Screen(
            "practitioner",
            m.Practitioner,
            f.PractitionerForm,
            _("radiologue"),
            _("radiologues"),
            (
                (_("Nom"), "__str__"),
                (_("RPPS"), "rpps"),
                (_("Membre"), "member"),
                (_("Statut"), "get_status_display"),
                (_("Quotité"), "working_time"),
            ),
            ("last_name", "first_name", "rpps", "member__name"),
            select_related=("member",),
            filters=(
                lf.by_member("membre", "member"),
                lf.by_choice("statut", "status", _("Statut"), m.Practitioner.Status.choices),
                lf.by_flag("actif", "active", _("Actif")),
            ),
            m2m=("sites",),
            detail_exclude=("id", "user"),
        ),
        Screen(
            "technologist",
            m.Technologist,
            f.TechnologistForm,
            _("manipulateur"),
            _("manipulateurs (MERM)"),
            (
                (_("Nom"), "__str__"),
                (_("Membre"), "member"),
                (_("Site"), "site"),
                (_("Quotité"), "working_time"),
            ),
            ("last_name", "first_name", "member__name", "site__name"),
            select_related=("member", "site"),
            filters=(lf.by_member("membre", "member"), lf.by_flag("actif", "active", _("Actif"))),
            detail_exclude=("id", "user"),
        ),
        Screen(
            "convention",
            m.Convention,
            f.ConventionForm,
            _("convention"),
            _("conventions"),
            (
                (_("Intitulé"), "title"),
                (_("Version"), "version"),
                (_("Du"), "effective_from"),
                (_("Au"), "effective_to"),
            ),
            ("title", "version"),
        ),
    )
}
