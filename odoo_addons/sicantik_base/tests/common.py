"""Fixtures shared by the SICANTIK addons' tests: role users, a counting listener."""

import socket
import threading

from odoo.tests import new_test_user


def make_role_users(env):
    """Create a user per role; the logins are stable so tests read well."""
    groups = {
        "user": "base.group_user",
        "petugas": "sicantik_base.group_petugas",
        "pejabat": "sicantik_base.group_pejabat",
        "auditor": "sicantik_base.group_auditor",
        "admin": "sicantik_base.group_admin",
    }
    return {
        role: new_test_user(env, login=f"sicantik_{role}", groups=group)
        for role, group in groups.items()
    }


class CountingListener:
    """A TCP port that counts the connections made to it and hangs up.

    Stands in for a backend (SICANTIK's MySQL, a caller-chosen address): each
    connection the server under test makes is one accepted connection, so the
    count is the number of backend connections the requests caused.
    """

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(5)
        self.sock.close()
