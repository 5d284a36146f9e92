"""Drive the servers with tools nobody here wrote: dcmtk's echoscu and findscu."""

import subprocess
from pathlib import Path

import pydicom


def echoscu(port: int, aet: str, aec: str = "PIMM") -> subprocess.CompletedProcess:
    return subprocess.run(
        ["echoscu", "-aet", aet, "-aec", aec, "127.0.0.1", str(port)],
        capture_output=True,
        text=True,
        timeout=30,
    )


def findscu(port: int, aet: str, keys: dict[str, str], out: Path, aec: str = "PIMM"):
    """A worklist query (-W) with these keys ('' asks for the attribute); returns the
    answered datasets (read back with pydicom) and the completed process."""
    out.mkdir(parents=True, exist_ok=True)
    for f in out.glob("rsp*.dcm"):
        f.unlink()
    base = {
        "PatientName": "",
        "PatientID": "",
        "PatientBirthDate": "",
        "PatientSex": "",
        "AccessionNumber": "",
        "StudyInstanceUID": "",
        "RequestedProcedureID": "",
        "ScheduledProcedureStepSequence[0].Modality": "",
        "ScheduledProcedureStepSequence[0].ScheduledStationAETitle": "",
        "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate": "",
        "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartTime": "",
        "ScheduledProcedureStepSequence[0].ScheduledProcedureStepID": "",
    }
    base.update(keys)
    args = ["findscu", "-v", "-W", "-X", "-od", str(out), "-aet", aet, "-aec", aec]
    for k, v in base.items():
        args += ["-k", f"{k}={v}" if v else k]
    proc = subprocess.run(
        args + ["127.0.0.1", str(port)], capture_output=True, text=True, timeout=60
    )
    found = [pydicom.dcmread(f) for f in sorted(out.glob("rsp*.dcm"))]
    return found, proc
