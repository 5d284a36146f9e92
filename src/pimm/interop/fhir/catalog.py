"""Every resource type the API serves, by name (the CapabilityStatement lists exactly these)."""

from pimm.interop.fhir import clinical, directory
from pimm.interop.fhir.kinds import Kind

KINDS: dict[str, Kind] = {k.name: k for k in (*directory.KINDS, *clinical.KINDS)}
