"""Who may read and write the evaluation room: its one policy table.

The coordination writes (commitments, evidence, drafts, reports, annexes); the ARS reviewer reads
everything, read-only; member managers read (their platform's commitments and indicators concern
every member). Everyone else is kept out. See docs/architecture.md, "Access"."""

from pimm.accounts.access import EVERYTHING, WRITERS, Rule, Rules
from pimm.accounts.roles import Role
from pimm.evaluation import models as ev

READERS = EVERYTHING | {Role.MEMBER_MANAGER}
_READ = Rule(read_all=READERS)

RULES = Rules(
    objects={
        ev.Commitment: _READ,
        ev.Evidence: _READ,
        ev.ReportDraft: _READ,
        ev.ReportSection: _READ,
        ev.Report: _READ,
        ev.Annex: _READ,
    },
    abilities={
        "view": READERS,  # indicators, scorecard, commitments, reports, dossier
        "manage": WRITERS,  # commitments, evidence, drafts, generation, annexes
    },
)

can = RULES.can
require = RULES.require
visible = RULES.visible
fetch = RULES.fetch
can_create = RULES.can_create
can_write = RULES.can_write
