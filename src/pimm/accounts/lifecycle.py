"""One lifecycle for what the platform computes, then publishes: vacation plans, duty rotas, and
the rooms to come. A draft is solved (in a background task); the solve leaves it ready or
failed (the rules cannot all hold: the problems say why), or back to draft when it is stopped;
a ready one is published, and a newer publication supersedes it. Drafts, ready and failed ones
may be changed and solved again; published and superseded ones are history."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Lifecycle(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SOLVING = "solving", _("Calcul en cours")
    READY = "ready", _("Prêt à publier")
    FAILED = "failed", _("Échec")
    PUBLISHED = "published", _("Publié")
    SUPERSEDED = "superseded", _("Remplacé")


L = Lifecycle
MOVES: dict[str, frozenset[str]] = {
    L.DRAFT: frozenset({L.SOLVING}),
    L.SOLVING: frozenset({L.READY, L.FAILED, L.DRAFT}),  # draft: the solve was stopped
    L.READY: frozenset({L.SOLVING, L.PUBLISHED}),
    L.FAILED: frozenset({L.SOLVING}),
    L.PUBLISHED: frozenset({L.SUPERSEDED}),
    L.SUPERSEDED: frozenset(),
}
EDITABLE = frozenset({L.DRAFT, L.READY, L.FAILED})  # changed and solved again
PUBLIC = frozenset({L.PUBLISHED, L.SUPERSEDED})  # what the platform committed to


def can_move(current: str, to: str) -> bool:
    return to in MOVES[L(current)]
