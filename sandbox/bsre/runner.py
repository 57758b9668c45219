"""Start the BSrE sandbox as a subprocess, for test harnesses.

Why a subprocess and not a thread: the sandbox is a separate HTTP service in
production terms; running it out of process means tests exercise real sockets
(including the "connection dropped" fault, which shuts a socket down) and a
crash or hang in the sandbox cannot take the test process with it.

Usage::

    from sandbox.bsre.runner import start_sandbox

    with start_sandbox() as sb:          # free port, throwaway state dir
        requests.get(sb.url + "/api/user/status/1206010101800001", auth=sb.auth)

Only the standard library is used here so the helper can be imported from
any test environment.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .app import DEFAULT_API_PASSWORD, DEFAULT_API_USER

# Directory that contains the ``sandbox`` package, so ``-m sandbox.bsre`` works
# whatever the caller's working directory is.
_IMPORT_ROOT = Path(__file__).resolve().parents[2]


class SandboxStartError(RuntimeError):
    """The sandbox process exited or did not answer in time."""


@dataclass
class RunningSandbox:
    """Handle on a started sandbox. ``stop()`` is idempotent."""

    url: str
    port: int
    api_user: str
    api_password: str
    state_dir: Path
    log_path: Path
    process: subprocess.Popen
    _owns_state_dir: bool = field(default=False, repr=False)

    @property
    def auth(self) -> tuple[str, str]:
        """``(user, password)`` as ``requests`` expects for Basic auth."""
        return (self.api_user, self.api_password)

    @property
    def ca_pem_path(self) -> Path:
        """The sandbox root CA on disk (also served at ``/_sandbox/ca.pem``)."""
        return self.state_dir / "pki" / "root.cert.pem"

    def log_text(self) -> str:
        """The sandbox's stdout/stderr so far (for failure messages)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self._owns_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)
            self._owns_state_dir = False

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _get(url: str, auth: tuple[str, str] | None = None, timeout: float = 2.0) -> int:
    req = urllib.request.Request(url)
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        req.add_header("Authorization", "Basic " + token)
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
        return resp.status


def start_sandbox(
    port: int = 0,
    host: str = "127.0.0.1",
    state_dir: str | Path | None = None,
    api_user: str = DEFAULT_API_USER,
    api_password: str = DEFAULT_API_PASSWORD,
    extra_args: list[str] | tuple[str, ...] = (),
    timeout: float = 60.0,
    quiet: bool = True,
    python: str | None = None,
) -> RunningSandbox:
    """Start ``python -m sandbox.bsre`` and wait until it answers.

    ``port=0`` lets the OS pick a free port (no race between "find a free
    port" and "bind it"). Without ``state_dir`` a temporary one is created and
    deleted by ``stop()``; pass a directory to reuse the CA between runs.
    ``extra_args`` go to the CLI, e.g. ``["--latency-ms", "300"]``.
    """
    owns = state_dir is None
    state = Path(state_dir or tempfile.mkdtemp(prefix="bsre-sandbox-"))
    state.mkdir(parents=True, exist_ok=True)
    ready = state / f"ready-{os.getpid()}-{time.monotonic_ns()}.json"
    log_path = state / "sandbox.log"
    cmd = [
        python or sys.executable,
        "-m",
        "sandbox.bsre",
        "--host",
        host,
        "--port",
        str(port),
        "--state-dir",
        str(state),
        "--api-user",
        api_user,
        "--api-password",
        api_password,
        "--ready-file",
        str(ready),
        *(["--quiet"] if quiet else []),
        *extra_args,
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(_IMPORT_ROOT), env.get("PYTHONPATH", "")) if p
    )
    env.setdefault("PYTHONUNBUFFERED", "1")
    log_fh = open(log_path, "ab")  # noqa: SIM115 - handed to the child
    try:
        proc = subprocess.Popen(  # noqa: S603
            cmd,
            stdout=log_fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=str(_IMPORT_ROOT),
        )
    finally:
        log_fh.close()
    sandbox: RunningSandbox | None = None
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SandboxStartError(
                    f"sandbox exited with {proc.returncode}:\n"
                    + log_path.read_text(errors="replace")[-4000:]
                )
            if ready.exists():
                info = json.loads(ready.read_text())
                sandbox = RunningSandbox(
                    url=info["url"],
                    port=int(info["port"]),
                    api_user=api_user,
                    api_password=api_password,
                    state_dir=state,
                    log_path=log_path,
                    process=proc,
                    _owns_state_dir=owns,
                )
                try:
                    if _get(sandbox.url + "/_sandbox/health") == 200:
                        ready.unlink(missing_ok=True)
                        atexit.register(sandbox.stop)
                        return sandbox
                except (urllib.error.URLError, OSError):
                    pass
            time.sleep(0.05)
        raise SandboxStartError(
            f"sandbox did not answer within {timeout}s:\n"
            + log_path.read_text(errors="replace")[-4000:]
        )
    except BaseException:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if owns:
            shutil.rmtree(state, ignore_errors=True)
        raise
