"""Identifier systems and codes the FHIR API writes (FR Core first, pimm's own last).

Checked against ``../shared/reference/identifiers.md`` and the FR Core sources
(Interop-Sante/hl7.fhir.fr.core):

- FINESS: ``https://finess.esante.gouv.fr``, type ``FINEJ`` for a legal entity (a member's
  "FINESS juridique") and ``FINEG`` for a geographical entity (a site's "FINESS géographique"),
  from ``input/fsh/profiles/FRCoreOrganizationProfile.fsh`` and the code system
  ``input/fsh/codesystems/FRCoreCodeSystemv2-0203.fsh`` (``fr-core-cs-v2-0203``). The older
  ``http://finess.sante.gouv.fr`` of some ANS directory examples is accepted in searches.
- SIREN: ``https://sirene.fr`` (same profile).
- RPPS: ``https://rpps.esante.gouv.fr``, type ``RPPS``; the national id of a health
  professional (idNatPs) ``urn:oid:1.2.250.1.71.4.2.1``, type ``IDNPS``, value ``8`` + RPPS
  (``input/fsh/profiles/FRCorePractitionerProfile.fsh``; the prefix table TRE_G08: 8 = RPPS).
- INS-NIR: ``urn:oid:1.2.250.1.213.1.4.8`` (``input/fsh/profiles/FRCorePatientINSProfile.fsh``),
  carried only for a qualified identity (invariants fr-core-1/fr-core-2).
"""

FINESS = "https://finess.esante.gouv.fr"
FINESS_OLD = "http://finess.sante.gouv.fr"  # ANS directory examples; accepted in searches
SIREN = "https://sirene.fr"
RPPS = "https://rpps.esante.gouv.fr"
IDNPS = "urn:oid:1.2.250.1.71.4.2.1"
IDNPS_RPPS_PREFIX = "8"
INS_NIR = "urn:oid:1.2.250.1.213.1.4.8"
FR_V2_0203 = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
DICOM_UID = "urn:dicom:uid"
DCM = "http://dicom.nema.org/resources/ontology/DCM"
LOINC = "http://loinc.org"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
V3_OBSERVATION_VALUE = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
SLOT_STATUS = "http://hl7.org/fhir/slotstatus"

# pimm's own identifiers (no national register): URNs under one prefix
PIMM = "urn:pimm"
PSEUDONYM = f"{PIMM}:pseudonyme"
EQUIPMENT = f"{PIMM}:equipement"
MEMBER_CODE = f"{PIMM}:membre"
SITE_CODE = f"{PIMM}:site"
ACCESSION = f"{PIMM}:accession"
COMPETENCE = f"{PIMM}:competence"
PURPOSE = f"{PIMM}:finalite-plage"


def placer(member_code: str) -> str:
    """The order numbers of one member's HIS/RIS (ORC-2): unique per member only."""
    return f"{PIMM}:demande:{member_code}"


# pimm's modality codes -> DICOM modality codes (CID 29)
DICOM_MODALITY = {"CT": "CT", "MRI": "MR", "PET_CT": "PT", "GAMMA": "NM", "INTERV": "XA"}
