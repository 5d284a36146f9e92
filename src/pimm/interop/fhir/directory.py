"""The directory resources: Organization (the platform and its members), Location (sites),
Device (equipment), Practitioner and PractitionerRole (radiologists), Schedule and Slot (the
published planning). Rows come from the registry's and planning's access tables and
selectors, so a member manager reads here what the registry pages show them."""

from django.db.models import Q
from django.utils import timezone
from fhir.resources.R4B.device import Device
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot

from pimm.interop.fhir import systems as sid
from pimm.interop.fhir.kinds import Ctx, Kind, Part, ident, identifier_q, instant, ref
from pimm.planning import access as planning_access
from pimm.planning import models as pm
from pimm.planning import selectors as planning_selectors
from pimm.registry import access as registry_access
from pimm.registry import models as rm

FINESS_SYSTEMS = (sid.FINESS, sid.FINESS_OLD)


def _finess_pairs(field: str) -> dict[str, tuple[str, ...]]:
    return dict.fromkeys(FINESS_SYSTEMS, (field,))


# -- Organization ------------------------------------------------------------------------------


def _platforms(user):
    return registry_access.visible(user, rm.Platform)


def _platform(p: rm.Platform, ctx: Ctx) -> dict:
    return {
        "resourceType": "Organization",
        "id": f"platform-{p.pk}",
        "identifier": [ident(sid.SIREN, p.siren, "SIREN", sid.FR_V2_0203, use="official")],
        "active": True,
        "type": [{"text": str(p.get_legal_form_display())}],
        "name": p.name,
        "alias": [p.carrier_name] if p.carrier_name else None,
        "address": [{"state": p.region, "country": "FR"}] if p.region else None,
    }


def _members(user):
    return registry_access.visible(user, rm.Member)


def _member_active(m: rm.Member) -> bool:
    return m.left_on is None or m.left_on > timezone.localdate()


def _member(m: rm.Member, ctx: Ctx) -> dict:
    ids = [ident(sid.MEMBER_CODE, m.code)]
    if m.finess:
        ids.append(ident(sid.FINESS, m.finess, "FINEJ", sid.FR_V2_0203, use="official"))
    ids.append(ident(sid.SIREN, m.siren, "SIREN", sid.FR_V2_0203, use="official"))
    return {
        "resourceType": "Organization",
        "id": f"member-{m.pk}",
        "identifier": ids,
        "active": _member_active(m),
        "type": [{"text": str(m.get_kind_display())}],
        "name": m.name,
        "address": [{"text": m.address, "country": "FR"}] if m.address else None,
        "partOf": ref("Organization", m.platform_id, "platform-"),
    }


def _member_identifier(system, value) -> Q:
    pairs = {sid.MEMBER_CODE: ("code",), sid.SIREN: ("siren",), **_finess_pairs("finess")}
    return identifier_q(pairs, system, value)


def _platform_identifier(system, value) -> Q:
    return identifier_q({sid.SIREN: ("siren",)}, system, value)


ORGANIZATION = Kind(
    "Organization",
    Organization,
    (
        Part(_platforms, _platform, prefix="platform-", identifier=_platform_identifier),
        Part(_members, _member, prefix="member-", identifier=_member_identifier),
    ),
    profile="Le plateau (SIREN de la structure porteuse) et ses membres (FINESS juridique FINEJ, "
    "SIREN).",
)


# -- Location ----------------------------------------------------------------------------------


def _site(s: rm.Site, ctx: Ctx) -> dict:
    ids = [ident(sid.SITE_CODE, f"{s.member.code}/{s.code}")]
    if s.finess:
        ids.append(ident(sid.FINESS, s.finess, "FINEG", sid.FR_V2_0203, use="official"))
    return {
        "resourceType": "Location",
        "id": str(s.pk),
        "identifier": ids,
        "status": "active",
        "name": s.name,
        "mode": "instance",
        "address": {
            "line": [s.address] if s.address else None,
            "postalCode": s.postcode or None,
            "city": s.town,
            "district": s.departement,
            "country": "FR",
        },
        "position": {"latitude": s.latitude, "longitude": s.longitude},
        "managingOrganization": ref("Organization", s.member_id, "member-", s.member.name),
    }


def _site_identifier(system, value) -> Q:
    return identifier_q(_finess_pairs("finess"), system, value)


LOCATION = Kind(
    "Location",
    Location,
    (
        Part(
            lambda user: registry_access.visible(user, rm.Site),
            _site,
            identifier=_site_identifier,
            statuses={"active": Q()},
            prepare=lambda qs: qs.select_related("member"),
        ),
    ),
    profile="Les sites des membres (FINESS géographique FINEG).",
)


# -- Device ------------------------------------------------------------------------------------


def _modality(code: str) -> dict:
    dicom = sid.DICOM_MODALITY.get(code)
    label = str(dict(rm.Modality.choices).get(code, code))
    coding = [{"system": sid.DCM, "code": dicom, "display": label}] if dicom else None
    return {"coding": coding, "text": label}


def _device(e: rm.Equipment, ctx: Ctx) -> dict:
    return {
        "resourceType": "Device",
        "id": str(e.pk),
        "identifier": [ident(sid.EQUIPMENT, e.code)],
        "status": "active" if e.active else "inactive",
        "manufacturer": e.manufacturer or None,
        "modelNumber": e.model_name or None,
        "deviceName": [{"name": e.name, "type": "user-friendly-name"}],
        "type": _modality(e.modality),
        "owner": ref("Organization", e.holder_id, "member-", e.holder.name),
        "location": ref("Location", e.site_id, display=e.site.name),
    }


DEVICE = Kind(
    "Device",
    Device,
    (
        Part(
            lambda user: registry_access.visible(user, rm.Equipment),
            _device,
            identifier=lambda system, value: identifier_q(
                {sid.EQUIPMENT: ("code",)}, system, value
            ),
            statuses={"active": Q(active=True), "inactive": Q(active=False)},
            prepare=lambda qs: qs.select_related("holder", "site"),
        ),
    ),
    profile="Les équipements (modalité DICOM), leur titulaire et leur site.",
)


# -- Practitioner, PractitionerRole ----------------------------------------------------------


def _practitioners(user):
    return registry_access.visible(user, rm.Practitioner)


def _rpps_identifiers(rpps: str) -> list[dict]:
    return [
        ident(sid.IDNPS, sid.IDNPS_RPPS_PREFIX + rpps, "IDNPS", sid.FR_V2_0203, use="official"),
        ident(sid.RPPS, rpps, "RPPS", sid.FR_V2_0203, use="official"),
    ]


def _practitioner_identifier(system, value) -> Q:
    """RPPS as such, or the national id (idNatPs) ``8`` + RPPS."""
    q = Q(pk__in=[])
    if system in (None, sid.RPPS):
        q |= Q(rpps=value)
    if system in (None, sid.IDNPS) and value.startswith(sid.IDNPS_RPPS_PREFIX):
        q |= Q(rpps=value[len(sid.IDNPS_RPPS_PREFIX) :])
    return q


def _practitioner(p: rm.Practitioner, ctx: Ctx) -> dict:
    telecom = [{"system": "email", "value": p.email}] if p.email else []
    if p.phone:
        telecom.append({"system": "phone", "value": p.phone})
    return {
        "resourceType": "Practitioner",
        "id": str(p.pk),
        "identifier": _rpps_identifiers(p.rpps),
        "active": p.active,
        "name": [{"family": p.last_name, "given": [p.first_name], "prefix": ["Dr"]}],
        "telecom": telecom or None,
    }


def _role(p: rm.Practitioner, ctx: Ctx) -> dict:
    labels = dict(rm.Competence.choices)
    return {
        "resourceType": "PractitionerRole",
        "id": str(p.pk),
        "identifier": _rpps_identifiers(p.rpps),
        "active": p.active,
        "practitioner": ref("Practitioner", p.pk, display=str(p)),
        "organization": ref("Organization", p.member_id, "member-", p.member.name),
        "code": [{"text": str(p.get_status_display())}],
        "specialty": [
            {
                "coding": [{"system": sid.COMPETENCE, "code": c, "display": str(labels.get(c, c))}],
                "text": str(labels.get(c, c)),
            }
            for c in p.competences or []
        ]
        or None,
        "location": [ref("Location", s.pk, display=s.name) for s in p.sites.all()] or None,
    }


_ACTIVE = {"active": Q(active=True), "inactive": Q(active=False)}
PRACTITIONER = Kind(
    "Practitioner",
    Practitioner,
    (Part(_practitioners, _practitioner, identifier=_practitioner_identifier),),
    profile="Les radiologues (RPPS et identifiant national IDNPS « 8 » + RPPS).",
)
PRACTITIONER_ROLE = Kind(
    "PractitionerRole",
    PractitionerRole,
    (
        Part(
            _practitioners,
            _role,
            identifier=_practitioner_identifier,
            prepare=lambda qs: qs.select_related("member").prefetch_related("sites"),
        ),
    ),
    profile="Le membre, les compétences et les sites (privilèges) de chaque radiologue.",
)


# -- Schedule, Slot ----------------------------------------------------------------------------


def _schedules(user):
    """One schedule per active device, for whoever opens the calendar (as the web does)."""
    if not planning_access.can(user, "calendar"):
        return planning_selectors.calendar_equipment().none()
    return planning_selectors.calendar_equipment()


def _schedule(e: rm.Equipment, ctx: Ctx) -> dict:
    return {
        "resourceType": "Schedule",
        "id": str(e.pk),
        "identifier": [ident(sid.EQUIPMENT, e.code)],
        "active": e.active,
        "serviceType": [_modality(e.modality)],
        "actor": [ref("Device", e.pk, display=e.name), ref("Location", e.site_id)],
        "comment": f"Vacations publiées de {e.name}",
    }


def _slots(user):
    if not planning_access.can(user, "calendar"):
        return planning_selectors.published_slots().none()
    return planning_selectors.published_slots()


def _slot_status(s: pm.Slot) -> str:
    if s.status == pm.Slot.Status.CLOSED:
        return "busy-unavailable"
    booked = s.booking_id is not None and s.booking.status == pm.Booking.Status.BOOKED
    return "busy" if booked else "free"


def _slot(s: pm.Slot, ctx: Ctx) -> dict:
    purpose = str(s.get_purpose_display())
    return {
        "resourceType": "Slot",
        "id": str(s.pk),
        "schedule": ref("Schedule", s.equipment_id, display=s.equipment.name),
        "status": _slot_status(s),
        "start": instant(s.start),
        "end": instant(s.end),
        "serviceType": [
            {"coding": [{"system": sid.PURPOSE, "code": s.purpose, "display": purpose}]}
        ],
        "comment": s.closed_reason or None,
    }


_BOOKED = Q(booking__isnull=False, booking__status=pm.Booking.Status.BOOKED)
SCHEDULE = Kind(
    "Schedule",
    Schedule,
    (
        Part(
            _schedules,
            _schedule,
            identifier=lambda system, value: identifier_q(
                {sid.EQUIPMENT: ("code",)}, system, value
            ),
        ),
    ),
    profile="Un agenda par équipement en service (les vacations publiées).",
)
SLOT = Kind(
    "Slot",
    Slot,
    (
        Part(
            _slots,
            _slot,
            dates={"date": "start", "start": "start"},
            statuses={
                "free": Q(status=pm.Slot.Status.OPEN) & ~_BOOKED,
                "busy": Q(status=pm.Slot.Status.OPEN) & _BOOKED,
                "busy-unavailable": Q(status=pm.Slot.Status.CLOSED),
            },
        ),
    ),
    profile="Les plages des plannings publiés (libre, occupée, fermée) ; jamais le patient.",
)

KINDS = (ORGANIZATION, LOCATION, DEVICE, PRACTITIONER, PRACTITIONER_ROLE, SCHEDULE, SLOT)
