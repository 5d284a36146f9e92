"""The national diagnostic reference levels (NRD, décision ASN n° 2019-DC-0667), shipped as
``data/nrd.csv`` (a copy of ``shared/reference/nrd.csv``: only the values its source gives;
rows whose value was not found are kept, marked ``NOT FOUND``, and never compared with).

An exam is compared with the row of its DICOM modality and exam type (the ``exam`` column,
compared without case and accents); the quantity says which dose it is compared on: ``PDS``
(dose-area product, mGy·cm²), ``CTDIvol`` (mGy) or ``PDL`` (dose-length product, mGy·cm).
``PIMM_NRD_CSV`` names another file of the same columns (a local table, the tests)."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from django.conf import settings

DEFAULT_CSV = Path(__file__).parent / "data" / "nrd.csv"
# quantity column → the DoseRecord field it is compared on
QUANTITY_FIELD = {"PDS": "dap", "CTDIVOL": "ctdivol", "IDSV": "ctdivol", "PDL": "dlp"}


@dataclass(frozen=True)
class Level:
    modality: str
    exam: str
    population: str
    quantity: str  # PDS, CTDIvol, PDL
    unit: str
    nrd: Decimal
    source: str

    @property
    def field(self) -> str:
        return QUANTITY_FIELD[self.quantity.upper()]


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).lower().split())


def _path() -> Path:
    return Path(getattr(settings, "PIMM_NRD_CSV", "") or DEFAULT_CSV)


@lru_cache(maxsize=4)
def _levels(path: str) -> dict[tuple[str, str], list[Level]]:
    out: dict[tuple[str, str], list[Level]] = {}
    with open(path, encoding="utf-8", newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    for row in csv.DictReader(lines):
        quantity = (row.get("quantity") or "").strip()
        if quantity.upper() not in QUANTITY_FIELD:
            continue
        try:
            value = Decimal((row.get("nrd") or "").replace(" ", ""))
        except InvalidOperation:
            continue  # NOT FOUND: no citable value, never compared with
        level = Level(
            modality=row["modality"].strip().upper(),
            exam=row["exam"].strip(),
            population=(row.get("population") or "").strip(),
            quantity=quantity,
            unit=(row.get("unit") or "").strip(),
            nrd=value,
            source=(row.get("source") or "").strip(),
        )
        out.setdefault((level.modality, normalise(level.exam)), []).append(level)
    return out


def levels() -> list[Level]:
    return [lv for group in _levels(str(_path())).values() for lv in group]


def levels_for(modality: str, exam_type: str) -> list[Level]:
    """The adult reference levels of this modality and exam type (empty when none applies)."""
    return _levels(str(_path())).get(((modality or "").upper(), normalise(exam_type)), [])


@dataclass(frozen=True)
class Comparison:
    level: Level | None
    measured: Decimal | None
    above: bool


def compare(modality: str, exam_type: str, doses: dict[str, Decimal | None]) -> Comparison:
    """The first level of the exam that has a measured dose, and whether it is exceeded
    (strictly above the NRD); a measured dose above any of its levels counts as above."""
    found: Comparison | None = None
    for level in levels_for(modality, exam_type):
        measured = doses.get(level.field)
        if measured is None:
            continue
        cmp = Comparison(level, measured, measured > level.nrd)
        if found is None or (cmp.above and not found.above):
            found = cmp
    return found or Comparison(None, None, False)
