"""A rogue MySQL server asks the companion for a local file.

The MySQL protocol lets a server answer *any* query with "send me file X"
(``LOAD DATA LOCAL``'s request packet).  A client that allows it sends the
file, whatever query it had asked.  This fake server answers every query that
way and records what it receives: PyMySQL with ``local_infile`` on (the
control) hands over the secret; the companion's source, pointed at the same
server, never does.
"""

import socket
import struct
import threading

import pymysql
import pytest
from sicantik_sync_lib import source

SECRET = b"the Odoo host's secret"
#: Capabilities the rogue advertises, LOCAL_FILES included.
_CAPS = 0x1 | 0x8 | 0x80 | 0x200 | 0x2000 | 0x8000 | 0x80000


def _packet(seq, payload):
    return struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload


def _read_packet(conn):
    head = b""
    while len(head) < 4:
        chunk = conn.recv(4 - len(head))
        if not chunk:
            return None, None
        head += chunk
    length = int.from_bytes(head[:3], "little")
    body = b""
    while len(body) < length:
        chunk = conn.recv(length - len(body))
        if not chunk:
            return None, None
        body += chunk
    return head[3], body


class RogueMysql:
    """Greets, accepts any login, answers every read with a file request."""

    def __init__(self, wanted):
        self.wanted = wanted
        self.received = b""
        self.logins = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(2)
            try:
                self._session(conn)
            except OSError:
                pass
            finally:
                conn.close()

    def _session(self, conn):
        salt = b"abcdefgh" + b"ijklmnopqrst"
        greeting = (
            b"\x0a5.7.99-rogue\x00"
            + struct.pack("<I", 7)
            + salt[:8]
            + b"\x00"
            + struct.pack("<H", _CAPS & 0xFFFF)
            + b"\x21"
            + struct.pack("<H", 2)
            + struct.pack("<H", _CAPS >> 16)
            + bytes([21])
            + b"\x00" * 10
            + salt[8:]
            + b"\x00"
            + b"mysql_native_password\x00"
        )
        conn.sendall(_packet(0, greeting))
        seq, _login = _read_packet(conn)
        if seq is None:
            return
        self.logins += 1
        ok = b"\x00\x00\x00" + struct.pack("<HH", 2, 0)
        conn.sendall(_packet(seq + 1, ok))
        awaiting_file = False
        while True:
            seq, data = _read_packet(conn)
            if seq is None:
                return
            self.received += data
            if awaiting_file and seq:
                if not data:  # the empty packet that ends the file
                    conn.sendall(_packet(seq + 1, ok))
                    awaiting_file = False
                continue
            awaiting_file = False
            if data[:1] == b"\x01":  # COM_QUIT
                return
            if data[:1] == b"\x03" and not data[1:4].upper() == b"SET":
                # a read: answer "send me the file instead"
                conn.sendall(_packet(seq + 1, b"\xfb" + self.wanted.encode()))
                awaiting_file = True
            else:  # SET (expects a plain OK), ping, init db, ...
                conn.sendall(_packet(seq + 1, ok))

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "odoo-host-secret.txt"
    path.write_bytes(SECRET + b"\n")
    return path


@pytest.fixture
def rogue(secret):
    server = RogueMysql(str(secret))
    yield server
    server.close()
    source.dispose_all()


def test_control_a_permissive_client_hands_the_file_over(rogue):
    conn = pymysql.connect(
        host="127.0.0.1",
        port=rogue.port,
        user="a",
        password="b",
        local_infile=True,
        connect_timeout=3,
        read_timeout=3,
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
    except pymysql.MySQLError:
        pass
    finally:
        conn.close()
    assert SECRET in rogue.received


def test_companion_source_never_sends_the_file(rogue):
    url = f"mysql+pymysql://a:b@127.0.0.1:{rogue.port}/x"
    with pytest.raises(source.SourceError):
        with source.Source(url, connect_timeout=3, read_timeout=3) as src:
            src.all("SELECT 1 AS x")
    assert rogue.logins >= 1, "the rogue was reached (the test proves something)"
    assert SECRET not in rogue.received
