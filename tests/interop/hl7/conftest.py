import itertools

import pytest

from pimm.interop.hl7 import codec, ingest
from pimm.interop.hl7 import samples as s
from pimm.interop.models import Channel
from tests.worklist.conftest import (  # noqa: F401 — the worklist's fixtures, used here too
    _demo_exams_closed,
    classes,
    make_exam,
    make_reader,
)

APP, FAC = "HIS-A", "FAC-A"
_ids = itertools.count(1)


def control_id() -> str:
    return f"T{next(_ids):06d}"


@pytest.fixture
def channel(world):
    ch = Channel.objects.create(
        name="SIH A",
        kind=Channel.Kind.HL7,
        member=world.member_a,
        sending_application=APP,
        sending_facility=FAC,
    )
    ch.sites.set([world.site_a])
    return ch


def ack_of(text: str) -> dict:
    parsed = codec.hl7.parse(text)
    return {
        "code": codec.get(parsed, "MSA.F1"),
        "control": codec.get(parsed, "MSA.F2"),
        "text": parsed.unescape(codec.get(parsed, "MSA.F3")),
        "err": codec.get(parsed, "ERR.F3.R1.C1"),
    }


def send(message: str | bytes, peer: str = "127.0.0.1") -> dict:
    raw = message.encode("utf-8") if isinstance(message, str) else message
    return ack_of(ingest.receive(raw, peer=peer))


@pytest.fixture
def person():
    return s.Person(ipp=f"IPP{next(_ids)}", family="DURAND", given="LÉA")
