"""The MLLP listener (asyncio): frames in, ACKs out, one connection per sender.

Each frame (VT … FS CR) is handed to ``ingest.receive`` in a worker thread (the ORM is
synchronous) and its ACK written back once the message is committed. Bytes outside a frame are
dropped; a frame longer than ``max_bytes`` is answered AR and skipped to its end without being
buffered; an idle connection is closed after ``idle_timeout`` seconds. One connection's garbage
never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import socket
import ssl
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections

from pimm.interop.hl7 import codec, ingest

log = logging.getLogger("pimm.interop.hl7")

MAX_BYTES = 1024 * 1024  # one message; a 10 MB one is refused
IDLE_TIMEOUT = 300.0
READ_CHUNK = 64 * 1024
KEEP_OF_TOO_LONG = 4096  # what is stored of a refused over-long frame


def _handle(frame: bytes, peer: str, too_long: int, close: bool = True) -> bytes:
    if close:
        close_old_connections()
    ack = ingest.receive(frame, peer=peer, too_long=too_long)
    return codec.frame(ack)


class MllpServer:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 2575,
        *,
        ssl_context: ssl.SSLContext | None = None,
        max_bytes: int = MAX_BYTES,
        idle_timeout: float = IDLE_TIMEOUT,
        workers: int = 1,
    ):
        self.host, self.port, self.ssl_context = host, port, ssl_context
        self.max_bytes, self.idle_timeout = max_bytes, idle_timeout
        # workers=0: handled in the loop's own thread (tests, where the ORM connection is shared)
        self.executor = (
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mllp") if workers else None
        )
        self.close_connections = workers > 0  # a worker thread drops stale DB connections
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(
            self._client, self.host, self.port, ssl=self.ssl_context, limit=READ_CHUNK
        )
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def serve_forever(self) -> None:
        if self.server is None:
            await self.start()
        async with self.server:
            await self.server.serve_forever()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        if self.executor is not None:
            self.executor.shutdown(wait=True)

    async def _answer(self, writer, frame: bytes, peer: str, too_long: int = 0) -> None:
        work = functools.partial(_handle, frame, peer, too_long, close=self.close_connections)
        if self.executor is None:
            ack = work()
        else:
            ack = await asyncio.get_running_loop().run_in_executor(self.executor, work)
        writer.write(ack)
        await writer.drain()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername") or ("", 0)
        peer = str(peername[0])
        buffer = bytearray()
        skipping = 0  # bytes of an over-long frame dropped so far
        kept = b""
        try:
            while True:
                try:
                    chunk = await asyncio.wait_for(reader.read(READ_CHUNK), self.idle_timeout)
                except TimeoutError:
                    break
                if not chunk:
                    break
                if skipping:
                    end = chunk.find(codec.FS + codec.CR)
                    if end < 0:
                        skipping += len(chunk)
                        continue
                    await self._answer(writer, kept, peer, too_long=skipping + end)
                    skipping, kept = 0, b""
                    chunk = chunk[end + 2 :]
                buffer += chunk
                while True:
                    start = buffer.find(codec.VT)
                    if start < 0:
                        buffer.clear()  # junk outside any frame
                        break
                    if start:
                        del buffer[:start]
                    end = buffer.find(codec.FS + codec.CR, 1)
                    if end < 0:
                        if len(buffer) - 1 > self.max_bytes:
                            kept = bytes(buffer[1 : 1 + KEEP_OF_TOO_LONG])
                            skipping = len(buffer) - 1
                            buffer.clear()
                        break
                    body = bytes(buffer[1:end])
                    del buffer[: end + 2]
                    restart = body.rfind(codec.VT)
                    if restart >= 0:  # a frame cut short by a new start block: keep the last
                        body = body[restart + 1 :]
                    if len(body) > self.max_bytes:
                        await self._answer(writer, body[:KEEP_OF_TOO_LONG], peer, len(body))
                        continue
                    await self._answer(writer, body, peer)
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError) as exc:
            log.info("MLLP connection from %s ended: %s", peer, exc)
        except Exception:  # the database is down: no ACK, the sender will resend
            log.exception("MLLP connection from %s dropped", peer)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.wait_closed()


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


# -- the client side (outbound ORU, hl7_send, tests) ------------------------------------------
def send(
    host: str,
    port: int,
    payload: str | bytes,
    *,
    timeout: float = 10.0,
    tls: bool = False,
    ssl_context: ssl.SSLContext | None = None,
) -> bytes:
    """Send one framed message on a new connection and return the ACK's body."""
    with MllpClient(host, port, timeout=timeout, tls=tls, ssl_context=ssl_context) as client:
        return client.send(payload)


class MllpClient:
    """A blocking MLLP connection: ``send`` one message, wait for its ACK."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout: float = 10.0,
        tls: bool = False,
        ssl_context: ssl.SSLContext | None = None,
    ):
        sock = socket.create_connection((host, port), timeout=timeout)
        if tls or ssl_context is not None:
            context = ssl_context or ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=host)
        self.sock = sock
        self.buffer = bytearray()

    def send(self, payload: str | bytes) -> bytes:
        self.sock.sendall(codec.frame(payload))
        return self.read()

    def read(self) -> bytes:
        while True:
            end = self.buffer.find(codec.FS + codec.CR)
            if end >= 0:
                start = self.buffer.find(codec.VT)
                body = bytes(self.buffer[start + 1 : end])
                del self.buffer[: end + 2]
                return body
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connexion fermée avant l'acquittement")
            self.buffer += chunk

    def close(self) -> None:
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
