"""``manage.py mllp_server``: the HL7 v2 MLLP listener (127.0.0.1:2575 by default)."""

import asyncio
import signal

from django.core.management.base import BaseCommand

from pimm.interop.hl7 import server


class Command(BaseCommand):
    help = "Écoute les messages HL7 v2 (MLLP) des canaux configurés et les acquitte."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2575, help="0 : un port libre")
        parser.add_argument("--tls-cert", default="", help="certificat PEM (active TLS)")
        parser.add_argument("--tls-key", default="", help="clé privée PEM")
        parser.add_argument("--max-bytes", type=int, default=server.MAX_BYTES)
        parser.add_argument("--idle-timeout", type=float, default=server.IDLE_TIMEOUT)
        parser.add_argument("--workers", type=int, default=1, help="fils d'application")

    def handle(self, *args, **opts):
        context = None
        if opts["tls_cert"]:
            context = server.tls_context(opts["tls_cert"], opts["tls_key"] or opts["tls_cert"])
        listener = server.MllpServer(
            opts["host"],
            opts["port"],
            ssl_context=context,
            max_bytes=opts["max_bytes"],
            idle_timeout=opts["idle_timeout"],
            workers=opts["workers"],
        )
        asyncio.run(self._run(listener, tls=context is not None))

    async def _run(self, listener, *, tls: bool) -> None:
        port = await listener.start()
        scheme = "mllp+tls" if tls else "mllp"
        self.stdout.write(f"MLLP en écoute sur {scheme}://{listener.host}:{port}")
        self.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        serving = asyncio.create_task(listener.serve_forever())
        await stop.wait()
        serving.cancel()
        await listener.close()
