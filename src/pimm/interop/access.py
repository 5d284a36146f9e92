"""Who may see and configure the interfaces: the coordinator configures channels and reads
their traffic (and replays it); the ARS reviewer reads; a member manager reads their member's
channels. Channels themselves are checked by ``Channel.member``/``sites`` in the services."""

from pimm.accounts.access import EVERYTHING, WRITERS, Rule, Rules
from pimm.accounts.roles import Role
from pimm.interop import models as m

R = Role

RULES = Rules(
    objects={
        m.Channel: Rule(
            read_all=EVERYTHING,
            read_own=frozenset({R.MEMBER_MANAGER}),
            read_paths=("member",),
            write_all=WRITERS,
        ),
        # dose reports of the MPPS: the radiation-protection list (coordinator, ARS: all;
        # a member manager: their member's); written only by the MPPS SCP
        m.DoseRecord: Rule(
            read_all=EVERYTHING,
            read_own=frozenset({R.MEMBER_MANAGER}),
            read_paths=("member",),
            write_all=frozenset(),
        ),
    },
    abilities={
        "traffic": EVERYTHING,  # the traffic page per channel
        "replay": WRITERS,  # correct and replay a rejected or failed message
        "radiation_protection": EVERYTHING | {R.MEMBER_MANAGER},  # doses above the NRD
    },
)
can = RULES.can


def visible_channels(user):
    return RULES.visible(user, m.Channel)


def access_channel_for_user(user, pk) -> m.Channel:
    return RULES.fetch(user, m.Channel, pk)


def visible_doses(user, queryset=None):
    return RULES.visible(user, m.DoseRecord, queryset)
