"""What needs a user's attention today: the one shape every room's ``selectors.attention`` returns.

Each room exposes ``attention(user, today) -> list[Attention]`` in its ``selectors.py`` (only what
that user may open, asked of the room's own ``access.py``); the dashboard concatenates them in
layer order and shows the most urgent first.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("danger", "warning", "info")


@dataclass(frozen=True)
class Attention:
    label: str  # French, already translated (gettext)
    count: int
    url: str
    level: str  # "danger" | "warning" | "info"

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"unknown attention level: {self.level!r}")


def by_urgency(items: list[Attention]) -> list[Attention]:
    """Danger first, then warning, then info; the room order is kept within a level."""
    return sorted(items, key=lambda a: LEVELS.index(a.level))
