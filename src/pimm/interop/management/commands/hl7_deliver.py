"""``manage.py hl7_deliver``: send the ORU^R01 whose time has come (``--loop``: keep going)."""

import time

from django.core.management.base import BaseCommand

from pimm.interop.hl7.outbox import deliver_due


class Command(BaseCommand):
    help = "Envoie les comptes rendus (ORU^R01) en attente, avec reprises et lettres mortes."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="recommencer indéfiniment")
        parser.add_argument("--interval", type=float, default=5.0, help="secondes entre passes")

    def handle(self, *args, **opts):
        while True:
            counts = deliver_due()
            if any(counts.values()) or not opts["loop"]:
                self.stdout.write(
                    "envoyés {sent}, en échec {failed}, lettres mortes {dead}".format(**counts)
                )
            if not opts["loop"]:
                return
            time.sleep(opts["interval"])
