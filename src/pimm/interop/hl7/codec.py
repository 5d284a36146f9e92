"""Bytes in, HL7 message out (and ACKs back): the checks every message passes before anything
reads it, then the ``hl7`` library's parser.

The raw bytes are decoded in the character set MSH-18 declares (read from the header line before
decoding, which is the only way to know it); anything the parser would choke on or that would
cost unbounded memory (no MSH, wrong encoding characters, too many segments or repetitions,
undecodable text) is refused here with a French reason and an HL7 error code (table 0357).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

import hl7

# MLLP framing (HL7 v2 appendix C)
VT, FS, CR = b"\x0b", b"\x1c", b"\x0d"

MAX_SEGMENTS = 500
MAX_REPETITIONS = 100  # per field
REQUIRED_MSH = {3: "MSH-3", 7: "MSH-7", 9: "MSH-9", 10: "MSH-10", 11: "MSH-11", 12: "MSH-12"}

# MSH-18 (HL7 table 0211) → Python codec; empty means the default, ASCII (UTF-8 accepted)
CHARSETS = {
    "": "utf-8",
    "ASCII": "ascii",
    "8859/1": "iso-8859-1",
    "8859/15": "iso-8859-15",
    "UNICODE UTF-8": "utf-8",
    "UTF-8": "utf-8",
}

# HL7 table 0357 (message error condition codes)
E_SEGMENT = "100"
E_REQUIRED = "101"
E_DATA = "102"
E_TABLE = "103"
E_TYPE = "200"
E_EVENT = "201"
E_UNKNOWN_KEY = "204"
E_DUPLICATE_KEY = "205"
E_INTERNAL = "207"
LABELS = {
    E_SEGMENT: "Segment sequence error",
    E_REQUIRED: "Required field missing",
    E_DATA: "Data type error",
    E_TABLE: "Table value not found",
    E_TYPE: "Unsupported message type",
    E_EVENT: "Unsupported event code",
    E_UNKNOWN_KEY: "Unknown key identifier",
    E_DUPLICATE_KEY: "Duplicate key identifier",
    E_INTERNAL: "Application internal error",
}


class Hl7Error(Exception):
    """A message that cannot be applied: ``ack`` is AR (never retry as is) or AE (its content
    is wrong for pimm); ``reason`` is French and goes to MSA-3, ``code`` and ``where`` to ERR."""

    def __init__(self, reason: str, *, ack: str = "AE", code: str = E_DATA, where: str = ""):
        super().__init__(reason)
        self.reason, self.ack, self.code, self.where = reason, ack, code, where


@dataclass
class Header:
    """What the ACK and the duplicate check need, read even from a message refused later."""

    sending_application: str = ""
    sending_facility: str = ""
    receiving_application: str = ""
    receiving_facility: str = ""
    control_id: str = ""
    message_type: str = ""  # e.g. ORM^O01
    processing_id: str = "P"
    version: str = "2.5"
    charset: str = ""
    encoding: str = "utf-8"
    fields: list[str] = field(default_factory=list)


def _first(value: str, component_sep: str) -> str:
    return value.split(component_sep, 1)[0]


def read_header(raw: bytes) -> Header:
    """The MSH fields read from the first line, bytes decoded as Latin-1 (lossless) so that a
    header survives whatever the rest holds. Raises ``Hl7Error`` (AR) when there is no usable
    MSH; the returned header may still lack required fields (``check_header``)."""
    head = Header()
    start = raw.find(b"MSH")
    if start != 0:
        raise Hl7Error(
            "Le message ne commence pas par un segment MSH.", ack="AR", code=E_SEGMENT, where="MSH"
        )
    line = raw.split(b"\r", 1)[0].split(b"\n", 1)[0].decode("latin-1")
    if len(line) < 8:
        raise Hl7Error("Segment MSH tronqué.", ack="AR", code=E_REQUIRED, where="MSH^1^2")
    sep, enc = line[3], line[4:8]
    specials = set(sep + enc)
    if (
        sep.isalnum()
        or sep.isspace()
        or len(specials) != 5
        or any(c.isalnum() or c.isspace() for c in enc)
    ):
        raise Hl7Error(
            "Caractères de codage invalides dans MSH-1/MSH-2 (attendu par exemple |^~\\&).",
            ack="AR",
            code=E_DATA,
            where="MSH^1^2",
        )
    fields = line.split(sep)
    fields.insert(1, sep)  # fields[n] is MSH-n
    comp = enc[0]

    def f(n: int) -> str:
        return fields[n] if len(fields) > n else ""

    head.fields = fields
    head.sending_application = _first(f(3), comp)[:180]
    head.sending_facility = _first(f(4), comp)[:180]
    head.receiving_application = _first(f(5), comp)
    head.receiving_facility = _first(f(6), comp)
    head.control_id = f(10)[:64]
    parts = f(9).split(comp)
    head.message_type = "^".join(p for p in parts[:2] if p)[:20]
    head.processing_id = _first(f(11), comp) or "P"
    head.version = _first(f(12), comp) or "2.5"
    head.charset = f(18).split(enc[1], 1)[0].strip().upper()
    return head


def check_header(head: Header) -> None:
    missing = [
        name for n, name in REQUIRED_MSH.items() if not head.fields[n : n + 1] or not head.fields[n]
    ]
    if missing:
        raise Hl7Error(
            f"Champs MSH obligatoires absents : {', '.join(missing)}.",
            ack="AR",
            code=E_REQUIRED,
            where="MSH^1^" + REQUIRED_MSH_NUMBERS[missing[0]],
        )
    if head.charset not in CHARSETS:
        raise Hl7Error(
            f"Jeu de caractères MSH-18 non pris en charge : « {head.charset} ».",
            ack="AR",
            code=E_TABLE,
            where="MSH^1^18",
        )
    head.encoding = CHARSETS[head.charset]


REQUIRED_MSH_NUMBERS = {name: str(n) for n, name in REQUIRED_MSH.items()}


def decode(raw: bytes, head: Header) -> str:
    """The message text in its declared character set, segments separated by CR."""
    try:
        text = raw.decode(head.encoding)
    except UnicodeDecodeError as exc:
        raise Hl7Error(
            f"Texte non décodable dans le jeu de caractères déclaré (MSH-18 « {head.charset or 'ASCII'} »)"
            f" : octet {exc.start}.",
            ack="AR",
            code=E_DATA,
            where="MSH^1^18",
        ) from None
    if "\x00" in text:
        raise Hl7Error("Le message contient des octets nuls.", ack="AR", code=E_DATA)
    return text.replace("\r\n", "\r").replace("\n", "\r").strip("\r")


def check_bounds(text: str, head: Header) -> None:
    """Refuse what would make the parser build an unbounded tree."""
    segments = text.split("\r")
    if len(segments) > MAX_SEGMENTS:
        raise Hl7Error(
            f"Trop de segments ({len(segments)}, au plus {MAX_SEGMENTS}).",
            ack="AR",
            code=E_SEGMENT,
        )
    sep, rep = head.fields[1], head.fields[2][1]
    for number, segment in enumerate(segments, 1):
        name = segment[:3]
        if len(name) < 3 or not name.isalnum() or (segment[3:4] not in ("", sep)):
            raise Hl7Error(
                f"Segment {number} illisible : « {segment[:20]} ».",
                ack="AR",
                code=E_SEGMENT,
            )
        for position, value in enumerate(segment.split(sep)):
            if value.count(rep) >= MAX_REPETITIONS and not (name == "MSH" and position == 1):
                raise Hl7Error(
                    f"Nombre de répétitions excessif dans {name}-{position} (au plus {MAX_REPETITIONS}).",
                    ack="AR",
                    code=E_DATA,
                    where=f"{name}^{number}^{position}",
                )


@dataclass
class Parsed:
    head: Header
    message: hl7.Message
    text: str


def parse(raw: bytes) -> Parsed:
    """Every check above, then the library's parser. Raises ``Hl7Error``."""
    head = read_header(raw)
    check_header(head)
    text = decode(raw, head)
    check_bounds(text, head)
    try:
        message = hl7.parse(text)
    except Exception as exc:  # the library raises several kinds on malformed text
        raise Hl7Error(
            f"Message HL7 illisible : {exc.__class__.__name__}.", ack="AR", code=E_SEGMENT
        ) from None
    return Parsed(head=head, message=message, text=text)


def get(message: hl7.Message, path: str) -> str:
    """A value by ``hl7`` accessor (``PID.F3.R1.C1``), empty when absent or malformed."""
    try:
        return str(message[path] or "").strip()
    except (KeyError, IndexError, ValueError, TypeError):
        return ""


def parse_ts(value: str) -> dt.datetime | None:
    """An HL7 DTM (YYYYMMDD[HHMM[SS]][+/-ZZZZ]) as an aware time (Europe/Paris if no zone)."""
    from django.utils import timezone  # noqa: PLC0415 — codec stays importable without Django set up

    value = value.strip()
    if not value:
        return None
    zone = None
    for sign in "+-":
        if sign in value[8:]:
            value, _, offset = value.partition(sign)
            hours, minutes = int(offset[:2] or 0), int(offset[2:4] or 0)
            delta = dt.timedelta(hours=hours, minutes=minutes)
            zone = dt.timezone(delta if sign == "+" else -delta)
            break
    value = value.split(".")[0]
    formats = {14: "%Y%m%d%H%M%S", 12: "%Y%m%d%H%M", 8: "%Y%m%d"}
    fmt = formats.get(len(value))
    if fmt is None:
        raise ValueError(value)
    moment = dt.datetime.strptime(value, fmt)  # noqa: DTZ007 — the zone is applied below
    if zone is not None:
        return moment.replace(tzinfo=zone)
    return timezone.make_aware(moment)


# -- ACKs ------------------------------------------------------------------------------------
_ids = itertools.count(1)


def escape(text: str) -> str:
    """HL7 escape sequences for the standard delimiters (the ACK uses ``|^~\\&``)."""
    text = text.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\")
    text = text.replace("&", "\\T\\").replace("~", "\\R\\")
    return text.replace("\r", " ").replace("\n", " ")


def build_ack(
    head: Header | None, code: str, *, reason: str = "", error: str = "", where: str = ""
) -> str:
    """ACK (MSH, MSA, and ERR when not accepted), in HL7 v2.5 with standard delimiters."""
    head = head or Header()
    now = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    trigger = head.message_type.split("^")[1] if "^" in head.message_type else ""
    msh = "|".join(
        [
            "MSH",
            "^~\\&",
            escape(head.receiving_application or "PIMM"),
            escape(head.receiving_facility or "PIMM"),
            escape(head.sending_application),
            escape(head.sending_facility),
            now,
            "",
            f"ACK^{escape(trigger)}^ACK" if trigger else "ACK",
            f"PIMM{now}{next(_ids) % 1_000_000:06d}",
            escape(head.processing_id or "P")[:3],
            "2.5",
        ]
    )
    segments = [msh, "|".join(["MSA", code, escape(head.control_id), escape(reason[:200])])]
    if code != "AA":
        location = "^".join(escape(p) for p in where.split("^")) if where else ""
        err_code = error or E_INTERNAL
        segments.append(
            "|".join(
                [
                    "ERR",
                    "",
                    location,
                    f"{err_code}^{LABELS.get(err_code, '')}^HL70357",
                    "E",
                    "",
                    "",
                    "",
                    escape(reason[:500]),
                ]
            )
        )
    return "\r".join(segments) + "\r"


def ack_code_of(ack: bytes | str) -> str:
    """MSA-1 of an ACK read back (the outbound side), empty if unreadable."""
    if isinstance(ack, bytes):
        ack = ack.decode("utf-8", errors="replace")
    try:
        return get(hl7.parse(ack.strip().replace("\n", "\r")), "MSA.F1")
    except Exception:  # an unreadable ACK is no acceptance
        return ""


def frame(payload: str | bytes, encoding: str = "utf-8") -> bytes:
    data = payload.encode(encoding) if isinstance(payload, str) else payload
    return VT + data + FS + CR
