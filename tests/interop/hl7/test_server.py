"""The MLLP listener over real sockets: malformed input of every kind gets a clear refusal and
the server keeps serving (the next good message on the same or a new connection is applied)."""

import asyncio
import concurrent.futures
import os
import queue
import random
import socket
import ssl
import subprocess
import threading

import pytest

from pimm.interop.hl7 import codec, server
from pimm.interop.hl7 import samples as s
from pimm.interop.hl7.models import InboundMessage
from pimm.worklist.models import Order

from .conftest import APP, FAC, ack_of, control_id

pytestmark = pytest.mark.django_db


class MainThread(concurrent.futures.Executor):
    """Runs the listener's work in the test's thread, where the test's transaction is."""

    def __init__(self):
        self.queue = queue.Queue()

    def submit(self, fn, /, *args, **kwargs):
        future = concurrent.futures.Future()
        self.queue.put((future, fn, args, kwargs))
        return future


def with_server(client, **options):
    """Start the listener (its own thread and loop), run ``client(port)`` in another thread,
    and do the listener's database work here; stop everything."""
    srv = server.MllpServer("127.0.0.1", 0, **options)
    srv.executor, srv.close_connections = MainThread(), False
    loop = asyncio.new_event_loop()
    ready, result = threading.Event(), {}

    def serve():
        asyncio.set_event_loop(loop)
        result["port"] = loop.run_until_complete(srv.start())
        ready.set()
        loop.run_forever()

    def run_client():
        try:
            result["out"] = client(result["port"])
        except BaseException as exc:
            result["error"] = exc

    listener = threading.Thread(target=serve, daemon=True)
    listener.start()
    assert ready.wait(10)
    worker = threading.Thread(target=run_client, daemon=True)
    worker.start()
    while worker.is_alive() or not srv.executor.queue.empty():
        try:
            future, fn, args, kwargs = srv.executor.queue.get(timeout=0.05)
        except queue.Empty:
            continue
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
    asyncio.run_coroutine_threadsafe(srv.close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    listener.join(10)
    loop.close()
    if "error" in result:
        raise result["error"]
    return result["out"]


def good(world, placer=None):
    placer = placer or f"G{random.randrange(10**9)}"
    person = s.Person(ipp=f"IPP-{placer}")
    return s.order(APP, FAC, control_id(), person, placer=placer, site=world.site_a.code)


def exchange(sock, data: bytes) -> dict:
    sock.sendall(data)
    buf = b""
    while codec.FS + codec.CR not in buf:
        chunk = sock.recv(65536)
        assert chunk, "connection closed before the ACK"
        buf += chunk
    return ack_of(buf[buf.index(codec.VT) + 1 : buf.index(codec.FS)].decode())


def test_malformed_inputs_are_refused_and_the_server_keeps_serving(world, channel):
    header = f"MSH|^~\\&|{APP}|{FAC}|PIMM|PIMM|20270112100000||ORM^O01|"
    junk = bytes(b for b in os.urandom(4000) if b not in (0x0B, 0x1C))
    cases = {
        "truncated": codec.frame("MSH|^~\\&|HIS"),
        "missing MSH-10": codec.frame(header + "|P|2.5\rPID|1"),
        "encoding characters": codec.frame(
            f"MSH|^~^&|{APP}|{FAC}|PIMM|PIMM|20270112||ORM^O01|X1|P|2.5"
        ),
        "binary junk in a frame": codec.VT + junk + codec.FS + codec.CR,
        "not UTF-8 as declared": good(world)
        .encode("utf-8")
        .replace(b"Bilan", "Bilan é".encode("latin-1")),
        "huge repeat count": codec.frame(good(world).replace("PID|1||", "PID|1||" + "~" * 100_000)),
        "unknown charset": codec.frame(good(world).replace("UNICODE UTF-8", "KLINGON")),
    }
    cases["not UTF-8 as declared"] = codec.frame(cases["not UTF-8 as declared"])
    expected = {
        "truncated": "MSH",
        "missing MSH-10": "MSH-10",
        "encoding characters": "Caractères de codage",
        "binary junk in a frame": "MSH",
        "not UTF-8 as declared": "non décodable",
        "huge repeat count": "répétitions",
        "unknown charset": "MSH-18",
    }

    def client(port):
        out = {}
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(junk)  # bytes outside any frame are dropped
            for name, data in cases.items():
                out[name] = exchange(sock, data)
                out[name + " then"] = exchange(sock, codec.frame(good(world)))
            # a frame cut short by a new start block: the complete one is read
            out["restart"] = exchange(sock, codec.VT + b"MSH|^~\\&|cut" + codec.frame(good(world)))
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(codec.VT + b"MSH|^~\\&|HIS-A|FAC-A|half a message")  # then hang up
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            out["after hang-up"] = exchange(sock, codec.frame(good(world)))
        return out

    out = with_server(client)
    for name, needle in expected.items():
        assert out[name]["code"] == "AR", (name, out[name])
        assert needle in out[name]["text"], (name, out[name])
        assert out[name + " then"]["code"] == "AA", name
    assert out["restart"]["code"] == "AA" and out["after hang-up"]["code"] == "AA"
    rejected = InboundMessage.objects.filter(state="rejected").count()
    assert rejected == len(cases)  # each refusal is kept with its reason


def test_ten_megabyte_message_is_refused_cleanly(world, channel):
    big = good(world, "BIG1").replace("Bilan", "X" * (10 * 1024 * 1024))

    def client(port):
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            first = exchange(sock, codec.frame(big))
            then = exchange(sock, codec.frame(good(world)))
        return first, then

    first, then = with_server(client, max_bytes=1024 * 1024)
    assert first["code"] == "AR" and "trop long" in first["text"]
    assert then["code"] == "AA"
    assert not Order.objects.filter(placer_number="BIG1").exists()
    row = InboundMessage.objects.get(reason__contains="trop long")
    assert len(bytes(row.raw)) <= server.KEEP_OF_TOO_LONG  # the 10 MB never sit in memory or DB


def test_latin1_declared_charset_is_decoded(world, channel):
    person = s.Person(ipp="IPP-LAT", family="LEFÈVRE", given="HÉLÈNE")
    text = s.order(
        APP, FAC, control_id(), person, placer="LAT1", site=world.site_a.code, charset="8859/1"
    )

    def client(port):
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            return exchange(sock, codec.frame(text.encode("latin-1")))

    assert with_server(client)["code"] == "AA"
    assert Order.objects.get(placer_number="LAT1").patient.family_name == "LEFÈVRE"


def test_tls(world, channel, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(cafile=str(cert))

    def client(port):
        reply = server.send("127.0.0.1", port, good(world, "TLS1"), ssl_context=context)
        # plain MLLP on the TLS port gets no ACK (the handshake fails, the connection closes)
        with (
            pytest.raises((AssertionError, OSError)),
            socket.create_connection(("127.0.0.1", port), timeout=5) as sock,
        ):
            exchange(sock, codec.frame(good(world)))
        return ack_of(reply.decode())

    ack = with_server(client, ssl_context=server.tls_context(str(cert), str(key)))
    assert ack["code"] == "AA" and Order.objects.filter(placer_number="TLS1").exists()
