"""nginx_proxy's configuration: structure checks plus a real `nginx -t`.

`nginx -t` needs Debian's nginx binary (CI: `apt-get install nginx-light`). The
config is copied to a temporary prefix and adapted only where the test host
differs from the container: compose service names become 127.0.0.1 (they
resolve only inside compose; nginx resolves upstreams while testing), port 80
becomes a free local port (nginx binds its listeners while testing), and pid
and temp paths point into the temporary prefix (a non-root user cannot write
the compiled-in ones).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
NGINX_DIR = REPO / "docker" / "nginx"
NGINX_CONF = NGINX_DIR / "nginx.conf"
COMPOSE_FILE = REPO / "docker" / "docker-compose.yml"
MIME_TYPES = "/etc/nginx/mime.types"


# --- A minimal nginx config reader --------------------------------------------


class Block:
    def __init__(self, name: str, args: list[str]):
        self.name, self.args = name, args
        self.directives: list[tuple[str, list[str]]] = []
        self.blocks: list[Block] = []

    def values(self, name: str) -> list[list[str]]:
        return [args for directive, args in self.directives if directive == name]

    def find(self, name: str) -> list[Block]:
        return [b for b in self.blocks if b.name == name]


def tokenize(text: str) -> list[str]:
    tokens = re.findall(
        r"""#[^\n]*|"(?:\\.|[^"])*"|'(?:\\.|[^'])*'|[{};]|[^\s{};]+""", text
    )
    result = []
    for token in tokens:
        if token.startswith("#"):
            continue
        if token[0] in "'\"":
            token = token[1:-1]
        result.append(token)
    return result


def parse(text: str, root: Path) -> Block:
    """Parse into nested blocks, inlining relative includes from `root`."""
    tokens = tokenize(text)
    stack = [Block("main", [])]
    words: list[str] = []
    for token in tokens:
        if token == "{":
            block = Block(words[0], words[1:])
            stack[-1].blocks.append(block)
            stack.append(block)
            words = []
        elif token == "}":
            stack.pop()
        elif token == ";":
            name, args = words[0], words[1:]
            if name == "include" and not args[0].startswith("/"):
                included = parse((root / args[0]).read_text(), root)
                stack[-1].directives.extend(included.directives)
                stack[-1].blocks.extend(included.blocks)
            else:
                stack[-1].directives.append((name, args))
            words = []
        else:
            words.append(token)
    assert len(stack) == 1, "unbalanced braces"
    return stack[0]


@pytest.fixture(scope="module")
def conf() -> Block:
    return parse(NGINX_CONF.read_text(), NGINX_DIR)


def servers(conf) -> dict[str, Block]:
    """The HTTPS server (listen 443 ssl) and the plain HTTP one (listen 80)."""
    (http,) = conf.find("http")
    found = {}
    for block in http.find("server"):
        (listen,) = block.values("listen")
        found["tls" if "ssl" in listen else "plain"] = block
    assert sorted(found) == ["plain", "tls"], found
    return found


@pytest.fixture(scope="module")
def server(conf) -> Block:
    return servers(conf)["tls"]


@pytest.fixture(scope="module")
def plain_server(conf) -> Block:
    return servers(conf)["plain"]


def location(server: Block, *args: str) -> Block:
    matches = [b for b in server.find("location") if b.args == list(args)]
    assert matches, f"no location {' '.join(args)}"
    return matches[0]


def regex_location_for(server: Block, uri: str) -> Block | None:
    """The first regex location matching `uri`, as nginx picks it."""
    for block in server.find("location"):
        if block.args[0] in ("~", "~*"):
            flags = re.IGNORECASE if block.args[0] == "~*" else 0
            if re.search(block.args[1], uri, flags):
                return block
    return None


def proxy_headers(block: Block) -> dict[str, str]:
    return {
        args[0].lower(): " ".join(args[1:]) for args in block.values("proxy_set_header")
    }


# --- Structure ----------------------------------------------------------------


def test_upstreams(conf):
    (http,) = conf.find("http")
    servers = {b.args[0]: b.values("server")[0][0] for b in http.find("upstream")}
    assert sorted(servers.values()) == ["odoo_companion:8069", "odoo_companion:8072"]


def test_websocket_goes_to_gevent_port_with_upgrade(conf, server):
    (http,) = conf.find("http")
    upstreams = {b.args[0]: b.values("server")[0][0] for b in http.find("upstream")}
    websocket = location(server, "/websocket")
    (target,) = websocket.values("proxy_pass")
    assert upstreams[target[0].removeprefix("http://")] == "odoo_companion:8072"
    headers = proxy_headers(websocket)
    assert headers["upgrade"] == "$http_upgrade"
    assert headers["connection"] == "$connection_upgrade"
    assert websocket.values("proxy_http_version") == [["1.1"]]


def test_every_proxied_location_sets_forwarding_headers(server):
    proxied = [b for b in server.find("location") if b.values("proxy_pass")]
    assert len(proxied) >= 4
    for block in proxied:
        headers = proxy_headers(block)
        for name in (
            "x-forwarded-for",
            "x-forwarded-proto",
            "x-forwarded-host",
            "x-real-ip",
        ):
            assert name in headers, f"location {block.args}: {name}"
        assert headers["x-forwarded-for"] == "$proxy_add_x_forwarded_for"
        assert headers["x-real-ip"] == "$remote_addr"


def test_limits_timeouts_gzip(conf):
    (http,) = conf.find("http")
    assert http.values("client_max_body_size") == [["50m"]]
    assert http.values("gzip") == [["on"]]
    for name in ("proxy_read_timeout", "proxy_send_timeout", "proxy_connect_timeout"):
        assert http.values(name), name
    # Longer than Odoo's default limit_time_real (300 s in .env.example).
    assert int(http.values("proxy_read_timeout")[0][0].rstrip("s")) > 300


def test_security_headers(server):
    headers = {args[0].lower(): args[1] for args in server.values("add_header")}
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert "referrer-policy" in headers
    # add_header inside a location would drop the server-level ones there.
    for block in server.find("location"):
        assert not block.values("add_header"), f"add_header in location {block.args}"
    # Issue #13: HTTPS only, remembered by browsers for a year.
    assert headers["strict-transport-security"] == "max-age=31536000"


def test_tls_server(server):
    """Issue #13: TLS terminates here with the mounted certificate, modern
    protocols only, Odoo's cookies marked Secure, server_name configured."""
    assert server.values("listen") == [["443", "ssl", "default_server"]]
    assert server.values("ssl_certificate") == [["/etc/nginx/tls/server.crt"]]
    assert server.values("ssl_certificate_key") == [["/etc/nginx/tls/server.key"]]
    assert server.values("ssl_protocols") == [["TLSv1.2", "TLSv1.3"]]
    assert server.values("proxy_cookie_flags") == [["~", "secure"]]
    assert ["/etc/nginx/conf.d/sicantik-server-name.conf"] in server.values("include")


def test_plain_http_only_redirects(plain_server):
    """Port 80 proxies nothing: its health check, else a redirect to the
    configured public URL (never to the client's Host header)."""
    assert not [b for b in plain_server.find("location") if b.values("proxy_pass")]
    root = location(plain_server, "/")
    assert root.values("include") == [["/etc/nginx/conf.d/sicantik-redirect.conf"]]
    template = (NGINX_DIR / "templates" / "sicantik-redirect.conf.template").read_text()
    assert "return 301 ${SICANTIK_PUBLIC_BASE_URL}$request_uri;" in template
    assert "$host" not in template and "$http_host" not in template


@pytest.mark.parametrize(
    "uri", ["/verify", "/verify/abc", "/sicantik/verify/x", "/api/verify"]
)
def test_verification_paths_are_rate_limited(conf, server, uri):
    (http,) = conf.find("http")
    zones = {
        args[1].split("=")[1].split(":")[0] for args in http.values("limit_req_zone")
    }
    assert http.values("limit_req_status") == [["429"]]
    block = regex_location_for(server, uri)
    assert block is not None, uri
    (limit,) = block.values("limit_req")
    assert limit[0].removeprefix("zone=") in zones
    assert block.values("proxy_pass")


def test_login_is_rate_limited(conf, server):
    """Issue #12: password guessing is throttled per client address."""
    (http,) = conf.find("http")
    zones = {
        args[1].split("=")[1].split(":")[0]: args[2]
        for args in http.values("limit_req_zone")
    }
    (block,) = [b for b in server.find("location") if b.args == ["=", "/web/login"]]
    (limit,) = block.values("limit_req")
    assert limit[0] == "zone=sicantik_login"
    assert zones["sicantik_login"].endswith("r/m")
    assert block.values("proxy_pass")


@pytest.mark.parametrize("uri", ["/verify/abc", "/api/verify"])
def test_verify_uploads_limited_to_20_mb(server, uri):
    """Issue #12: the PDF upload routes (POST /verify/<token>, /api/verify)
    refuse bodies over 20 MB in nginx."""
    block = regex_location_for(server, uri)
    assert block.values("client_max_body_size") == [["20m"]]


@pytest.mark.parametrize("uri", ["/web", "/verifyx", "/odoo/verify"])
def test_other_paths_are_not_rate_limited(server, uri):
    block = regex_location_for(server, uri)
    assert block is None or not block.values("limit_req"), uri


@pytest.mark.parametrize("uri", ["/metrics", "/sicantik/metrics"])
def test_metrics_internal_only(server, uri):
    block = regex_location_for(server, uri)
    assert block is not None, uri
    rules = [
        (name, args) for name, args in block.directives if name in ("allow", "deny")
    ]
    assert rules[-1] == ("deny", ["all"])
    allowed = [args[0] for name, args in rules if name == "allow"]
    assert "all" not in allowed
    for network in allowed:
        assert re.match(r"(127\.|10\.|172\.16\.|192\.168\.|::1$)", network), network


def test_own_health_endpoint_matches_compose(plain_server):
    health = location(plain_server, "=", "/nginx-health")
    assert health.values("return")[0][0] == "200"
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    check = " ".join(compose["services"]["nginx_proxy"]["healthcheck"]["test"])
    assert "/nginx-health" in check


def test_compose_mounts_every_config_file():
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    mounts = compose["services"]["nginx_proxy"]["volumes"]
    sources = {str(m).split(":")[0] for m in mounts}
    files = {f"./nginx/{p.name}" for p in NGINX_DIR.glob("*.conf")}
    files |= {"./nginx/templates", "${NGINX_TLS_DIR"}
    assert files == {s.split(":?")[0] for s in sources}
    assert all(str(m).endswith(":ro") for m in mounts)


# --- nginx -t -----------------------------------------------------------------


def nginx_binary() -> str | None:
    # /usr/sbin is not on a normal user's PATH on Debian/Ubuntu.
    search = os.pathsep.join(
        [os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"]
    )
    return shutil.which("nginx", path=search)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def compose_service_names() -> list[str]:
    return list(yaml.safe_load(COMPOSE_FILE.read_text())["services"])


def prepare_test_prefix(tmp_path: Path, text: str) -> Path:
    """Also: the templates rendered as the image does (envsubst) and a
    certificate from docker/tls/make-dev-certs.sh, both inside the prefix."""
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    for name in compose_service_names():
        text = re.sub(rf"\b{name}:(\d+)", r"127.0.0.1:\1", text)
    text = re.sub(r"\blisten\s+80\b", f"listen 127.0.0.1:{free_port()}", text)
    text = re.sub(r"\blisten\s+443\b", f"listen 127.0.0.1:{free_port()}", text)
    values = {
        "SICANTIK_PUBLIC_HOST": "izin.example.go.id",
        "SICANTIK_PUBLIC_BASE_URL": "https://izin.example.go.id",
    }
    (prefix / "conf.d").mkdir()
    for template in (NGINX_DIR / "templates").glob("*.template"):
        rendered = template.read_text()
        for key, value in values.items():
            rendered = rendered.replace("${" + key + "}", value)
        (prefix / "conf.d" / template.stem).write_text(rendered)
    text = text.replace("/etc/nginx/conf.d/", f"{prefix}/conf.d/")
    subprocess.run(
        [
            str(REPO / "docker" / "tls" / "make-dev-certs.sh"),
            str(prefix / "tls"),
            "izin.example.go.id",
        ],
        check=True,
    )
    text = text.replace("/etc/nginx/tls/", f"{prefix}/tls/")
    if not Path(MIME_TYPES).exists():
        text = text.replace(f"include {MIME_TYPES};", "types { text/html html; }")
    temp_paths = "".join(
        f"\n    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    text = re.sub(
        r"^http\s*\{", lambda m: m.group(0) + temp_paths, text, flags=re.MULTILINE
    )
    text = f"pid {prefix / 'nginx.pid'};\n" + text
    (prefix / "nginx.conf").write_text(text)
    for snippet in NGINX_DIR.glob("*.conf"):
        if snippet.name != "nginx.conf":
            shutil.copy(snippet, prefix / snippet.name)
    return prefix


def nginx_test(prefix: Path) -> subprocess.CompletedProcess:
    binary = nginx_binary()
    # Pipes, not inherited descriptors: the config logs to /dev/stderr and
    # /dev/stdout, which nginx opens by name while testing.
    return subprocess.run(
        [binary, "-t", "-c", str(prefix / "nginx.conf"), "-p", f"{prefix}/"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


needs_nginx = pytest.mark.skipif(
    nginx_binary() is None,
    reason="nginx binary not installed (Debian/Ubuntu: apt-get install nginx-light)",
)


@needs_nginx
def test_nginx_accepts_the_config(tmp_path):
    prefix = prepare_test_prefix(tmp_path, NGINX_CONF.read_text())
    result = nginx_test(prefix)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@needs_nginx
def test_nginx_check_detects_errors(tmp_path):
    """Control: the same harness fails on a broken config, so a pass means something."""
    broken = NGINX_CONF.read_text().replace(
        "limit_req_status 429;", "limit_req_status;"
    )
    prefix = prepare_test_prefix(tmp_path, broken)
    result = nginx_test(prefix)
    assert result.returncode != 0
    assert "limit_req_status" in result.stderr
