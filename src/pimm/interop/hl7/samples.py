"""HL7 v2.5 messages as a member's HIS/RIS sends them (ADT, ORM^O01, OMI^O23), for the demo's
feed (``hl7_send``), the bench and the tests. Built from the ``hl7`` library's containers'
conventions: ``|^~\\&`` delimiters, CR between segments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pimm.interop.hl7.codec import escape

INS_NIR = "1.2.250.1.213.1.4.8"


@dataclass
class Person:
    ipp: str
    family: str = "DUPONT"
    given: str = "MARIE"
    born: str = "19700101"
    sex: str = "F"
    ins: str = ""  # with qualified=True, carried in PID-3 and PID-32 VALI
    qualified: bool = False


def _msh(app: str, facility: str, kind: str, control_id: str, charset: str = "UNICODE UTF-8"):
    now = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    structure = kind.replace("^", "_")
    if kind.startswith("ADT^") and kind != "ADT^A40":
        structure = "ADT_A01"
    elif kind == "ADT^A40":
        structure = "ADT_A39"
    return "|".join(
        [
            "MSH",
            "^~\\&",
            escape(app),
            escape(facility),
            "PIMM",
            "PIMM",
            now,
            "",
            f"{kind}^{structure}",
            escape(control_id),
            "P",
            "2.5",
            "",
            "",
            "",
            "",
            "FRA",
            charset,
        ]
    )


def _pid(person: Person, facility: str) -> str:
    ids = f"{escape(person.ipp)}^^^{escape(facility)}^PI"
    if person.ins:
        ids += f"~{person.ins}^^^ASIP-SANTE-INS-NIR&{INS_NIR}&ISO^INS"
    fields = ["PID", "1", "", ids, "", f"{escape(person.family)}^{escape(person.given)}^^^^^L"]
    fields += ["", person.born, person.sex]
    fields += [""] * (32 - len(fields))
    fields.append("VALI" if person.qualified else "PROV")
    return "|".join(fields)


def adt(
    app: str, facility: str, control_id: str, person: Person, *, event: str = "A04", site: str = ""
) -> str:
    segments = [
        _msh(app, facility, f"ADT^{event}", control_id),
        f"EVN|{event}|{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}",
        _pid(person, facility),
        f"PV1|1|O|^^^{escape(site)}",
    ]
    return "\r".join(segments) + "\r"


def merge(app: str, facility: str, control_id: str, survivor: Person, prior_ipp: str) -> str:
    segments = [
        _msh(app, facility, "ADT^A40", control_id),
        f"EVN|A40|{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}",
        _pid(survivor, facility),
        f"MRG|{escape(prior_ipp)}^^^{escape(facility)}^PI",
    ]
    return "\r".join(segments) + "\r"


@dataclass
class Requested:
    accession: str
    modality: str = "CT"
    code: str = "ZBQK001"
    label: str = "Scanner thoracique"


def order(
    app: str,
    facility: str,
    control_id: str,
    person: Person,
    *,
    placer: str,
    site: str,
    exams: list[Requested] | None = None,
    control: str = "NW",
    priority: str = "R",
    kind: str = "ORM^O01",
    when: dt.datetime | None = None,
    charset: str = "UNICODE UTF-8",
    indication: str = "Bilan",
) -> str:
    """An ORM^O01 (OBR-18 accession, OBR-24 modality) or an OMI^O23 (TQ1, IPC)."""
    exams = exams or [Requested(accession=f"A{placer}"[:16])]
    at = (when or dt.datetime.now(dt.UTC)).strftime("%Y%m%d%H%M%S")
    segments = [
        _msh(app, facility, kind, control_id, charset),
        _pid(person, facility),
        f"PV1|1|O|^^^{escape(site)}",
        f"ORC|{control}|{escape(placer)}||||||||||^MARTIN^PAUL",
    ]
    if kind == "OMI^O23":
        segments.append(f"TQ1|1||||||{at}||{priority}")
    for n, ex in enumerate(exams, 1):
        obr = ["OBR", str(n), escape(placer), "", f"{ex.code}^{escape(ex.label)}"]
        obr += [""] * (18 - len(obr))
        obr.append(escape(ex.accession) if kind == "ORM^O01" else "")  # OBR-18
        obr += [""] * (24 - len(obr))
        obr.append(ex.modality if kind == "ORM^O01" else "")  # OBR-24
        obr += ["", "", f"^^^{at}^^{priority}" if kind == "ORM^O01" else ""]  # OBR-27
        obr += ["", "", "", f"^{escape(indication)}"]  # OBR-31
        segments.append("|".join(obr))
        if kind == "OMI^O23":
            segments.append(f"IPC|{escape(ex.accession)}|RP{n}|||{ex.modality}")
    return "\r".join(segments) + "\r"
