"""The CapabilityStatement of ``/fhir/metadata``, built from the catalogue: it lists exactly
the types, interactions and search parameters this server implements."""

from django.utils import timezone
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from pimm.interop.fhir.catalog import KINDS
from pimm.interop.fhir.kinds import Kind

FHIR_VERSION = "4.0.1"
FORMATS = ["json", "application/fhir+json"]
RELEASED = "2027-01-01"  # the day this statement's content was last changed


def _params(kind: Kind) -> list[dict]:
    out = [
        {"name": "_id", "type": "token", "documentation": "Identifiant logique (virgules : OU)."}
    ]
    if kind.has_identifier:
        out.append(
            {"name": "identifier", "type": "token", "documentation": "système|valeur ou valeur."}
        )
    for name in kind.date_params:
        out.append({"name": name, "type": "date", "documentation": "Préfixes eq, gt, lt, ge, le."})
    if kind.status_codes:
        out.append(
            {
                "name": "status",
                "type": "token",
                "documentation": "Valeurs : " + ", ".join(kind.status_codes) + ".",
            }
        )
    out.append(
        {
            "name": "_count",
            "type": "number",
            "documentation": "Taille de page (20 par défaut, 100 au plus).",
        }
    )
    out.append({"name": "_offset", "type": "number", "documentation": "Rang du premier résultat."})
    return out


def capability_statement(base: str) -> CapabilityStatement:
    resources = [
        {
            "type": kind.name,
            "documentation": kind.profile or None,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "versioning": "no-version",
            "readHistory": False,
            "updateCreate": False,
            "searchParam": _params(kind),
        }
        for kind in KINDS.values()
    ]
    return CapabilityStatement.model_validate(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": timezone.localdate().isoformat(),
            "publisher": "pimm",
            "kind": "instance",
            "software": {"name": "pimm", "releaseDate": RELEASED},
            "implementation": {
                "description": "API FHIR R4 en lecture seule du plateau mutualisé d'imagerie",
                "url": base,
            },
            "fhirVersion": FHIR_VERSION,
            "format": FORMATS,
            "rest": [
                {
                    "mode": "server",
                    "documentation": "Lecture et recherche seulement ; mêmes droits que le site.",
                    "security": {
                        "description": "Jeton d'API (Authorization: Bearer) ou session du site.",
                        "cors": False,
                    },
                    "resource": resources,
                }
            ],
        }
    )
