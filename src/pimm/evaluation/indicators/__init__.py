"""The indicator registry: one module per family, each registering its indicators.

`REGISTRY` maps a code to its `Indicator`; `compute(code, ctx)` answers rows or `Missing`.
Adding an indicator is one `register(Indicator(...))` entry in its family's module."""

from . import evidence, oncall, pending, reading, slots, territory  # noqa: F401 — they register
from .base import REGISTRY, Context, Indicator, Missing, Result, Row  # noqa: F401


def compute(code: str, ctx: Context) -> Result:
    return REGISTRY[code].compute(ctx)


def all_indicators() -> list[Indicator]:
    return list(REGISTRY.values())
