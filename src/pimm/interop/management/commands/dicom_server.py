"""``manage.py dicom_server``: the DICOM listener (C-ECHO, Modality Worklist, MPPS)."""

import logging

from django.core.management.base import BaseCommand

from pimm.interop.dicom.server import DicomServer


class Command(BaseCommand):
    help = "Serveur DICOM : C-ECHO, worklist des modalités (C-FIND) et MPPS (N-CREATE/N-SET)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=11112)
        parser.add_argument("--ae-title", default="PIMM")
        parser.add_argument("--max-associations", type=int, default=10)
        parser.add_argument("--timeout", type=float, default=10, help="secondes")

    def handle(self, *args, **opts):
        logging.basicConfig(level=logging.INFO if opts["verbosity"] > 1 else logging.WARNING)
        server = DicomServer(
            host=opts["host"],
            port=opts["port"],
            ae_title=opts["ae_title"],
            max_associations=opts["max_associations"],
            timeout=opts["timeout"],
        )
        self.stdout.write(
            f"DICOM {opts['ae_title']}@{opts['host']}:{opts['port']} "
            f"(C-ECHO, MWL C-FIND, MPPS ; {opts['max_associations']} associations au plus)"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            server.stop()
