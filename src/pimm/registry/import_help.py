"""What the import page tells before a file is sent: each kind's columns by their French label,
whether they are required, the values a column accepts (codes and labels alike), and a template
file (CSV or XLSX) whose example lines are the uploader's own records, written the way the import
reads them: sent back unchanged, it imports cleanly (it updates those records to what they are)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from pimm.registry import access
from pimm.registry import models as m
from pimm.registry.imports import COLUMN_LABELS, KINDS, MODALITY_ALIASES, STATUS_ALIASES

TEMPLATE_ROWS = 3  # example lines in a template

_NOTES = {
    "membre": lambda: _("code d'un membre dans lequel vous pouvez importer"),
    "titulaire": lambda: _("code du membre qui détient l'équipement"),
    "site": lambda: _("code d'un site du titulaire, ou MEMBRE/SITE pour le site d'un autre membre"),
    "sites": lambda: _("codes de sites séparés par | (MEMBRE/SITE pour un autre membre)"),
    "competences": lambda: _("séparées par | ; radiologie générale si vide"),
    "date_installation": lambda: _("AAAA-MM-JJ ou JJ/MM/AAAA"),
    "quotite": lambda: _("de 0 à 1, virgule ou point (1 si vide)"),
    "latitude": lambda: _("degrés décimaux, virgule ou point"),
    "longitude": lambda: _("degrés décimaux, virgule ou point"),
    "departement": lambda: _("numéro (01, 2A, 974…)"),
    "rpps": lambda: _("11 chiffres, clé de contrôle comprise"),
    "finess": lambda: _("9 caractères, clé de contrôle comprise"),
}
_ALIASES = {"modalite": MODALITY_ALIASES, "statut": STATUS_ALIASES}


@dataclass(frozen=True)
class ColumnHelp:
    column: str
    label: str
    required: bool
    values: list[tuple[str, str]]  # (code, label): either is accepted
    aliases: list[str]  # other accepted words
    note: str


def columns_help(kind: str, actor) -> list[ColumnHelp]:
    spec = KINDS[kind]
    members = list(access.member_choices(actor).values_list("code", "name"))
    out = []
    for column in spec.columns:
        values = [(code, str(label)) for code, label in spec.choices.get(column, [])]
        if column in ("membre", "titulaire"):
            values = members
        note = _NOTES.get(column)
        out.append(
            ColumnHelp(
                column=column,
                label=str(COLUMN_LABELS.get(column, column)),
                required=column in spec.required,
                values=values,
                aliases=sorted(_ALIASES.get(column, {})),
                note=note() if note else "",
            )
        )
    return out


def _site_ref(site: m.Site, owner_id: int) -> str:
    return site.code if site.member_id == owner_id else f"{site.member.code}/{site.code}"


def _number(value) -> str:
    return "" if value is None else str(value).replace(".", ",")


def _site_line(s: m.Site) -> list:
    return [
        s.member.code,
        s.code,
        s.name,
        s.finess,
        s.address,
        s.postcode,
        s.town,
        s.departement,
        _number(s.latitude),
        _number(s.longitude),
    ]


def _equipment_line(e: m.Equipment) -> list:
    return [
        e.code,
        e.name,
        e.get_modality_display(),  # the label: the import reads labels and codes alike
        _site_ref(e.site, e.holder_id),
        e.holder.code,
        e.manufacturer,
        e.model_name,
        e.installed_on.strftime("%d/%m/%Y") if e.installed_on else "",
    ]


def _practitioner_line(p: m.Practitioner) -> list:
    return [
        p.rpps,
        p.first_name,
        p.last_name,
        p.member.code,
        p.get_status_display(),
        "|".join(p.competences or []),
        _number(p.working_time),
        "|".join(_site_ref(s, p.member_id) for s in p.sites.all()),
        p.email,
        p.phone,
    ]


_EXAMPLES = {
    "sites": (m.Site, ("member",), _site_line),
    "equipment": (m.Equipment, ("site__member", "holder"), _equipment_line),
    "practitioners": (m.Practitioner, ("member",), _practitioner_line),
}


def template_table(kind: str, actor) -> tuple[list[str], list[list]]:
    """The header (file columns) and a few example lines: records the actor may write."""
    model, related, line = _EXAMPLES[kind]
    qs = access.writable(actor, model).select_related(*related).order_by("pk")
    if model is m.Practitioner:
        qs = qs.prefetch_related("sites__member").filter(active=True)
    if model is m.Equipment:
        qs = qs.filter(active=True)
    return list(KINDS[kind].columns), [line(obj) for obj in qs[:TEMPLATE_ROWS]]
