"""The interoperability room: HL7 v2 over MLLP, DICOM (worklist, MPPS), the PACS, FHIR.

Each integration is one sub-package with its transport, views and tests (``hl7``, ``dicom``,
``pacs``, ``fhir``); the room's models, access rules and services are shared by them. A
``Channel`` is one sending system of one member: it may speak only for that member's sites.
"""
