"""SIGKILL the MLLP listener (a subprocess on its own SQLite file) at random points while two
senders stream ORM^O01 and resend whatever was not ACKed: afterwards every ACKed message is in
the database, applied exactly once, and the orders of each sender are in its sending order.

``PIMM_HL7_KILL_MESSAGES`` sets the number of messages (2,000 here; the bench goes to 10,000)."""

import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pimm.interop.hl7 import codec
from pimm.interop.hl7 import samples as s

from .conftest import ack_of

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]
MESSAGES = int(os.environ.get("PIMM_HL7_KILL_MESSAGES", "2000"))
SENDERS = [("HIS-K1", "FAC-K1"), ("HIS-K2", "FAC-K2")]
SETUP = """
import datetime as dt
from pimm.interop.models import Channel
from pimm.registry import models as m
p = m.Platform.objects.create(name="P", legal_form="gcs_moyens", siren="732829320",
                              authorized_on=dt.date(2025, 1, 1))
mem = m.Member.objects.create(platform=p, code="M", name="M", kind="public_hospital",
                              siren="732829320")
site = m.Site.objects.create(member=mem, code="S1", name="S", town="Lyon", departement="69",
                             latitude=45.7, longitude=4.8)
for app, fac in SENDERS_REPR:
    ch = Channel.objects.create(name=app, kind="hl7", member=mem, sending_application=app,
                                sending_facility=fac)
    ch.sites.set([site])
""".replace("SENDERS_REPR", repr(SENDERS))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Listener:
    def __init__(self, env, port):
        self.env, self.port, self.proc = env, port, None

    def start(self):
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "mllp_server", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        line = self.proc.stdout.readline().decode()
        assert "MLLP en écoute" in line, line

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc.stdout.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc and not self.proc.stdout.closed:
            self.proc.stdout.close()


def sender(port, app, fac, count, acked, stop_at):
    """Send ``count`` messages in order, each until ACKed; reconnect after any failure."""
    sock, buf, i = None, b"", 0
    while i < count and time.monotonic() < stop_at:
        text = s.order(
            app, fac, f"{app}-{i}", s.Person(ipp=f"{app}-P{i}"), placer=f"{app}-{i}", site="S1"
        )
        try:
            if sock is None:
                sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                buf = b""
            sock.sendall(codec.frame(text))
            while codec.FS + codec.CR not in buf:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError
                buf += chunk
            end = buf.index(codec.FS + codec.CR)
            ack = ack_of(buf[buf.index(codec.VT) + 1 : end].decode())
            buf = buf[end + 2 :]
            assert ack["control"] == f"{app}-{i}", ack
            acked.append((i, ack["code"]))
            i += 1
        except (OSError, ConnectionError):
            if sock is not None:
                sock.close()
            sock = None
            time.sleep(0.05)
    if sock is not None:
        sock.close()


def test_sigkill_while_streaming(tmp_path):
    db = tmp_path / "kill.sqlite3"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "pimm.settings.dev",
        "PIMM_DB_ENGINE": "sqlite",
        "PIMM_DB_PATH": str(db),
        "PIMM_DEBUG": "0",
    }
    env.pop("PIMM_TEST_NOW", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "shell", "--no-imports", "-c", SETUP], cwd=ROOT, env=env, check=True)
    port = free_port()
    listener = Listener(env, port)
    listener.start()
    per_sender = MESSAGES // len(SENDERS)
    acked = {app: [] for app, _ in SENDERS}
    stop_at = time.monotonic() + 900
    threads = [
        threading.Thread(target=sender, args=(port, app, fac, per_sender, acked[app], stop_at))
        for app, fac in SENDERS
    ]
    for t in threads:
        t.start()
    rng, kills = random.Random(13), 0
    try:
        while any(t.is_alive() for t in threads):
            time.sleep(rng.uniform(0.3, 2.0))
            if kills < 8 and any(t.is_alive() for t in threads):
                listener.kill()
                kills += 1
                time.sleep(rng.uniform(0.0, 0.3))
                listener.start()
        for t in threads:
            t.join()
    finally:
        listener.stop()
    assert kills >= 3
    con = sqlite3.connect(db)
    for app, _ in SENDERS:
        got = acked[app]
        assert [i for i, _ in got] == list(range(per_sender)), "every message ACKed in order"
        assert {code for _, code in got} == {"AA"}
        rows = con.execute(
            "select control_id, state from interop_inboundmessage where sending_application=?",
            (app,),
        ).fetchall()
        assert len(rows) == per_sender and {state for _, state in rows} == {"applied"}
        orders = con.execute(
            "select placer_number from worklist_order where placer_number like ? order by id",
            (f"{app}-%",),
        ).fetchall()
        numbers = [int(p.rsplit("-", 1)[1]) for (p,) in orders]
        assert numbers == list(range(per_sender)), "applied exactly once, in sending order"
    con.close()
