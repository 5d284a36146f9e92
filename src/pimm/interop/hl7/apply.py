"""What an accepted message does to the worklist, for one channel: ADT A01/A04/A08 keep the
patient's identity, A40 merges two patients, ORM^O01 and OMI^O23 create, change and cancel
orders and their exams. Every write goes through the worklist's services; everything is
checked against the channel first (its member, its sites) and refused with a French reason.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import hl7
from django.db.models import Q
from stdnum.fr import nir as stdnum_nir

from pimm.interop.hl7 import codec
from pimm.interop.hl7.codec import Hl7Error, get
from pimm.interop.hl7.models import PatientIdentifier
from pimm.interop.models import Channel
from pimm.registry.models import Site
from pimm.worklist import selectors as worklist_selectors
from pimm.worklist import services as worklist
from pimm.worklist.models import Exam, Patient

INS_OIDS = {
    "1.2.250.1.213.1.4.8",  # INS-NIR
    "1.2.250.1.213.1.4.9",  # INS-NIA
    "1.2.250.1.213.1.4.10",  # INS-NIR-TEST
    "1.2.250.1.213.1.4.11",  # INS-NIR-DEMO
}
# ORC-7 / OBR-27 / TQ1-9 priority (HL7 table 0485) → pimm priority class code
PRIORITIES = {
    "T": "life_threatening",
    "S": "emergency",
    "C": "emergency",
    "A": "inpatient",
    "P": "outpatient",
    "R": "outpatient",
}
# DICOM modality codes (OBR-24, IPC-5) → pimm's
MODALITIES = {
    "CT": "CT",
    "MR": "MRI",
    "MRI": "MRI",
    "PT": "PET_CT",
    "PET_CT": "PET_CT",
    "NM": "GAMMA",
    "GAMMA": "GAMMA",
    "XA": "INTERV",
    "INTERV": "INTERV",
}
ADT_IDENTITY = {"ADT^A01", "ADT^A04", "ADT^A08"}
ORDERS = {"ORM^O01", "OMI^O23"}
SUPPORTED = ADT_IDENTITY | ORDERS | {"ADT^A40"}


@dataclass
class Outcome:
    placer_number: str = ""
    notes: list[str] = field(default_factory=list)


# -- the channel -----------------------------------------------------------------------------
def channel_for(head: codec.Header, peer: str | None) -> Channel:
    """The active HL7 channel named by MSH-3/MSH-4, allowed from ``peer`` (None: a replay)."""
    channel = (
        Channel.objects.filter(
            kind=Channel.Kind.HL7,
            active=True,
            sending_application=head.sending_application,
            sending_facility=head.sending_facility,
        )
        .select_related("member")
        .first()
    )
    if channel is None:
        raise Hl7Error(
            f"Émetteur inconnu : aucun canal HL7 actif pour MSH-3 « {head.sending_application} », MSH-4 « {head.sending_facility} ».",
            ack="AR",
            code=codec.E_UNKNOWN_KEY,
            where="MSH^1^3",
        )
    if peer is not None and not address_allowed(channel, peer):
        raise Hl7Error(
            f"Adresse {peer} non autorisée pour le canal « {channel.name} ».",
            ack="AR",
            code=codec.E_UNKNOWN_KEY,
            where="MSH^1^3",
        )
    return channel


def networks(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The allow-list, one address or CIDR network per line; raises ValueError on a bad line."""
    return [
        ipaddress.ip_network(line.strip(), strict=False)
        for line in text.splitlines()
        if line.strip()
    ]


def address_allowed(channel: Channel, peer: str) -> bool:
    allowed = networks(channel.allowed_addresses)
    if not allowed:
        return True
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in net for net in allowed)


# -- patients --------------------------------------------------------------------------------
@dataclass
class Identity:
    ipp: str
    family_name: str
    given_name: str
    birth_date: object
    ins: str  # only for a qualified identity (PID-32 VALI)


def identity(message: hl7.Message) -> Identity:
    _segment(message, "PID")
    ipp, ins = "", ""
    for n in range(1, 11):  # the first ten identifiers are read
        value = get(message, f"PID.F3.R{n}.C1")
        kind = get(message, f"PID.F3.R{n}.C5").upper()
        authority = get(message, f"PID.F3.R{n}.C4.S2")
        if kind == "INS" or authority in INS_OIDS:
            ins = ins or value
        elif kind in ("PI", "") and not ipp:
            ipp = value
    if not ipp:
        raise Hl7Error(
            "PID-3 : identifiant patient (IPP, type PI) absent.",
            code=codec.E_REQUIRED,
            where="PID^1^3",
        )
    family = get(message, "PID.F5.R1.C1.S1") or get(message, "PID.F5.R1.C1")
    given = get(message, "PID.F5.R1.C2")
    if not family:
        raise Hl7Error("PID-5 : nom du patient absent.", code=codec.E_REQUIRED, where="PID^1^5")
    try:
        born = codec.parse_ts(get(message, "PID.F7.R1.C1")[:8])
    except ValueError:
        born = None
    if born is None:
        raise Hl7Error(
            "PID-7 : date de naissance absente ou invalide.", code=codec.E_DATA, where="PID^1^7"
        )
    qualified = "VALI" in {get(message, f"PID.F32.R{n}.C1").upper() for n in range(1, 4)}
    if not qualified:
        ins = ""  # an INS is carried only for a qualified identity
    elif not ins:
        raise Hl7Error(
            "Identité qualifiée (PID-32 VALI) sans INS en PID-3.",
            code=codec.E_REQUIRED,
            where="PID^1^3",
        )
    elif not stdnum_nir.is_valid(ins):
        raise Hl7Error("INS invalide (clé de contrôle).", code=codec.E_DATA, where="PID^1^3")
    return Identity(ipp[:64], family[:100], given[:100], born.date(), ins)


def patient_for(channel: Channel, who: Identity, *, update: bool) -> Patient:
    """The channel's member's patient with this IPP, created if new, its identity kept."""
    link = (
        PatientIdentifier.objects.filter(member=channel.member, ipp=who.ipp)
        .select_related("patient")
        .first()
    )
    if link is not None:
        patient = link.patient
        if update and (
            patient.family_name,
            patient.given_name,
            patient.birth_date,
            patient.nir,
        ) != (who.family_name, who.given_name, who.birth_date, who.ins):
            patient = worklist.patient_identity_update(
                patient=patient,
                family_name=who.family_name,
                given_name=who.given_name,
                birth_date=who.birth_date,
                nir=who.ins,
            )
        return patient
    patient = worklist.patient_get_or_create(
        family_name=who.family_name,
        given_name=who.given_name,
        birth_date=who.birth_date,
        nir=who.ins,
        key="" if who.ins else f"IPP {channel.member_id} {who.ipp}",
    )
    PatientIdentifier.objects.create(member=channel.member, ipp=who.ipp, patient=patient)
    return patient


def apply_adt(channel: Channel, message: hl7.Message, kind: str) -> Outcome:
    who = identity(message)
    if kind in ADT_IDENTITY:
        patient_for(channel, who, update=True)
        return Outcome(notes=[f"IPP {who.ipp}"])
    # A40: PID is the surviving patient, MRG-1 the record merged into it
    _segment(message, "MRG")
    prior = get(message, "MRG.F1.R1.C1")
    if not prior:
        raise Hl7Error("MRG-1 : IPP fusionné absent.", code=codec.E_REQUIRED, where="MRG^1^1")
    merged = PatientIdentifier.objects.filter(member=channel.member, ipp=prior).first()
    if merged is None:
        raise Hl7Error(
            f"Fusion impossible : IPP « {prior} » inconnu pour ce membre.",
            code=codec.E_UNKNOWN_KEY,
            where="MRG^1^1",
        )
    survivor = patient_for(channel, who, update=True)
    moved = worklist.patients_merge(survivor=survivor, merged=merged.patient)
    PatientIdentifier.objects.filter(pk=merged.pk).update(patient=survivor)
    return Outcome(notes=[f"IPP {prior} → {who.ipp}", f"{moved} demande(s) déplacée(s)"])


# -- orders ----------------------------------------------------------------------------------
def _segment(message: hl7.Message, name: str):
    try:
        return message.segment(name)
    except KeyError:
        raise Hl7Error(f"Segment {name} absent.", code=codec.E_SEGMENT, where=name) from None


def _groups(message: hl7.Message) -> list[dict[str, list]]:
    """One dict per ORC: the ORC and the OBR, TQ1, IPC segments that follow it."""
    groups: list[dict[str, list]] = []
    for segment in message:
        name = str(segment[0])
        if name == "ORC":
            groups.append({"ORC": [segment]})
        elif name in ("OBR", "TQ1", "IPC") and groups:
            groups[-1].setdefault(name, []).append(segment)
    return groups


def _value(segment, field: int, component: int = 1, repetition: int = 1) -> str:
    try:
        value = segment.extract_field(
            field_num=field, repeat_num=repetition, component_num=component
        )
    except (IndexError, KeyError, TypeError, ValueError):
        return ""
    return str(value or "").strip()


def site_for(channel: Channel, message: hl7.Message) -> Site:
    code = get(message, "PV1.F3.R1.C4.S1") or get(message, "PV1.F3.R1.C4")
    if not code:
        raise Hl7Error(
            "PV1-3.4 : site (établissement) absent.", code=codec.E_REQUIRED, where="PV1^1^3"
        )
    site = channel.sites.filter(member=channel.member).filter(Q(code=code) | Q(finess=code)).first()
    if site is not None:
        return site
    elsewhere = Site.objects.filter(Q(code=code) | Q(finess=code)).exclude(member=channel.member)
    if elsewhere.exists():
        raise Hl7Error(
            f"Le site « {code} » appartient à un autre membre : le canal « {channel.name} » ne parle que pour {channel.member.name}.",
            code=codec.E_UNKNOWN_KEY,
            where="PV1^1^3",
        )
    raise Hl7Error(
        f"Site « {code} » inconnu ou non autorisé pour le canal « {channel.name} ».",
        code=codec.E_UNKNOWN_KEY,
        where="PV1^1^3",
    )


def _priority(channel: Channel, group: dict) -> object:
    orc, obr = group["ORC"][0], (group.get("OBR") or [None])[0]
    tq1 = (group.get("TQ1") or [None])[0]
    code = (
        (_value(tq1, 9) if tq1 is not None else "")
        or (_value(obr, 27, 6) if obr is not None else "")
        or _value(orc, 7, 6)
        or "R"
    ).upper()
    wanted = PRIORITIES.get(code)
    if wanted is None:
        raise Hl7Error(
            f"Priorité « {code} » inconnue (table 0485 : S, A, R, T…).",
            code=codec.E_TABLE,
            where="TQ1^1^9",
        )
    classes = {
        pc.code: pc for pc in worklist.priority_classes_ensure(platform=channel.member.platform)
    }
    return classes[wanted]


@dataclass
class Requested:
    accession_number: str
    modality: str
    exam_type: str
    scheduled_at: object


def _exams(group: dict, where: str) -> list[Requested]:
    out = []
    ipcs = group.get("IPC") or []
    tq1 = (group.get("TQ1") or [None])[0]
    for n, obr in enumerate(group.get("OBR") or []):
        ipc = ipcs[n] if n < len(ipcs) else None
        accession = (_value(ipc, 1) if ipc is not None else "") or _value(obr, 18)
        raw_modality = ((_value(ipc, 5) if ipc is not None else "") or _value(obr, 24)).upper()
        modality = MODALITIES.get(raw_modality)
        if modality is None:
            raise Hl7Error(
                f"Modalité « {raw_modality} » inconnue (OBR-24 / IPC-5 : CT, MR, PT, NM, XA).",
                code=codec.E_TABLE,
                where=f"OBR^{n + 1}^24",
            )
        if not accession:
            raise Hl7Error(
                "Numéro d'accession absent (OBR-18 ou IPC-1).",
                code=codec.E_REQUIRED,
                where=f"OBR^{n + 1}^18",
            )
        if len(accession) > 16:
            raise Hl7Error(
                "Numéro d'accession trop long (16 caractères au plus).",
                code=codec.E_DATA,
                where=f"OBR^{n + 1}^18",
            )
        when = (_value(tq1, 7) if tq1 is not None else "") or _value(obr, 27, 4) or _value(obr, 36)
        try:
            scheduled = codec.parse_ts(when)
        except ValueError:
            raise Hl7Error(
                f"Date programmée invalide « {when} ».", code=codec.E_DATA, where="TQ1^1^7"
            ) from None
        out.append(
            Requested(
                accession_number=accession,
                modality=modality,
                exam_type=(_value(obr, 4, 2) or _value(obr, 4, 1))[:100],
                scheduled_at=scheduled,
            )
        )
    if not out:
        raise Hl7Error("Segment OBR absent.", code=codec.E_SEGMENT, where=where)
    return out


def _requester(orc, obr) -> str:
    for seg, number in ((orc, 12), (obr, 16)):
        if seg is None:
            continue
        family, given = _value(seg, number, 2), _value(seg, number, 3)
        if family:
            return f"{given} {family}".strip()[:200]
    return ""


def placer_of(message: hl7.Message) -> str:
    """The first ORC-2 (else OBR-2) of an order message, empty for any other message."""
    for group in _groups(message):
        obr = (group.get("OBR") or [None])[0]
        placer = _value(group["ORC"][0], 2) or (_value(obr, 2) if obr is not None else "")
        if placer:
            return placer
    return ""


def apply_orders(channel: Channel, message: hl7.Message, kind: str) -> Outcome:
    groups = _groups(message)
    if not groups:
        raise Hl7Error("Segment ORC absent.", code=codec.E_SEGMENT, where="ORC")
    outcome = Outcome()
    site = None
    patient = None
    for number, group in enumerate(groups, 1):
        orc = group["ORC"][0]
        obr = (group.get("OBR") or [None])[0]
        control = _value(orc, 1).upper()
        placer = _value(orc, 2) or (_value(obr, 2) if obr is not None else "")
        if not placer:
            raise Hl7Error(
                "ORC-2 : numéro de demande absent.", code=codec.E_REQUIRED, where=f"ORC^{number}^2"
            )
        outcome.placer_number = outcome.placer_number or placer[:64]
        order = worklist_selectors.order_by_placer(member=channel.member, placer_number=placer)
        if control == "NW":
            if order is not None:
                raise Hl7Error(
                    f"Demande « {placer} » déjà connue (nouvelle demande NW en double).",
                    code=codec.E_DUPLICATE_KEY,
                    where=f"ORC^{number}^2",
                )
            site = site or site_for(channel, message)
            patient = patient or patient_for(channel, identity(message), update=False)
            order = worklist.order_create(
                patient=patient,
                site=site,
                priority=_priority(channel, group),
                requester=_requester(orc, obr),
                indication=(_value(obr, 31, 2) or _value(obr, 31, 1)) if obr is not None else "",
                placer_number=placer[:64],
            )
            for req in _exams(group, f"ORC^{number}"):
                worklist.exam_create(
                    order=order,
                    modality=req.modality,
                    exam_type=req.exam_type,
                    scheduled_at=req.scheduled_at,
                    accession_number=req.accession_number,
                )
            outcome.notes.append(f"{placer} créée")
            continue
        if control not in ("XO", "CA", "DC"):
            raise Hl7Error(
                f"Code de contrôle ORC-1 « {control} » non pris en charge (NW, XO, CA, DC).",
                code=codec.E_TABLE,
                where=f"ORC^{number}^1",
            )
        if order is None:
            raise Hl7Error(
                f"Demande « {placer} » inconnue pour ce membre.",
                code=codec.E_UNKNOWN_KEY,
                where=f"ORC^{number}^2",
            )
        if control in ("CA", "DC"):
            try:
                worklist.order_cancel(order=order, note=f"HL7 {control}")
            except worklist.WorklistError as exc:
                raise Hl7Error(" ".join(exc.messages), code=codec.E_DATA) from None
            outcome.notes.append(f"{placer} annulée ({control})")
            continue
        worklist.order_update(
            order=order,
            priority=_priority(channel, group),
            requester=_requester(orc, obr) or order.requester,
            indication=((_value(obr, 31, 2) or _value(obr, 31, 1)) if obr is not None else "")
            or order.indication,
        )
        existing = {e.accession_number: e for e in worklist_selectors.exams_of_order(order=order)}
        for req in _exams(group, f"ORC^{number}"):
            exam = existing.get(req.accession_number)
            try:
                if exam is None:
                    worklist.exam_create(
                        order=order,
                        modality=req.modality,
                        exam_type=req.exam_type,
                        scheduled_at=req.scheduled_at,
                        accession_number=req.accession_number,
                    )
                elif exam.status != Exam.Status.CANCELLED:
                    worklist.exam_update(
                        exam=exam,
                        modality=req.modality,
                        exam_type=req.exam_type,
                        scheduled_at=req.scheduled_at,
                    )
            except worklist.WorklistError as exc:
                raise Hl7Error(" ".join(exc.messages), code=codec.E_DATA) from None
        outcome.notes.append(f"{placer} modifiée")
    return outcome


def apply(channel: Channel, parsed: codec.Parsed) -> Outcome:
    kind = parsed.head.message_type
    if kind not in SUPPORTED:
        raise Hl7Error(
            f"Type de message « {kind} » non pris en charge (ADT A01/A04/A08/A40, ORM^O01, OMI^O23).",
            ack="AR",
            code=codec.E_TYPE if kind.split("^")[0] not in ("ADT", "ORM", "OMI") else codec.E_EVENT,
            where="MSH^1^9",
        )
    if kind in ORDERS:
        return apply_orders(channel, parsed.message, kind)
    return apply_adt(channel, parsed.message, kind)
