"""Hypothesis on the parse/apply path: whatever the bytes, the answer is an ACK (AA, AE or AR)
and never an exception; the codec raises only its own refusal."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pimm.interop.hl7 import codec, ingest
from pimm.interop.hl7 import samples as s

from .conftest import APP, FAC, ack_of

pytestmark = pytest.mark.django_db

SPECIALS = st.sampled_from(list("|^~\\&\r\n") + ["MSH", "PID", "ORC", "OBR", "\x0b", "\x1c"])


def valid(site_code: str, n: int) -> str:
    return s.order(APP, FAC, f"FZ{n}", s.Person(ipp=f"FZ{n}"), placer=f"FZ{n}", site=site_code)


@given(st.binary(max_size=2000))
@settings(max_examples=300, deadline=None)
def test_codec_on_any_bytes_raises_only_its_refusal(raw):
    try:
        codec.parse(raw)
    except codec.Hl7Error as exc:
        assert exc.reason and exc.ack in ("AE", "AR")
        ack = ack_of(codec.build_ack(None, exc.ack, reason=exc.reason, error=exc.code))
        assert ack["code"] == exc.ack


@given(
    data=st.data(),
    cuts=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 40)), max_size=4),
)
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_mutated_messages_always_get_an_ack(world, channel, data, cuts):
    text = valid(world.site_a.code, data.draw(st.integers(0, 10**6)))
    for position, length in cuts:  # delete, then insert delimiters or junk
        position = min(position, len(text))
        insert = data.draw(st.lists(SPECIALS | st.text(max_size=5), max_size=5))
        text = text[:position] + "".join(insert) + text[position + length :]
    ack = ack_of(ingest.receive(text.encode("utf-8", "surrogatepass"), peer="127.0.0.1"))
    assert ack["code"] in ("AA", "AE", "AR")
    if ack["code"] != "AA":
        assert ack["text"], ack
