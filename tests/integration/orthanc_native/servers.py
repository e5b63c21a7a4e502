"""Native PostgreSQL, Orthanc and DICOM peers started from the Debian packages, on loopback, stopped by pid.

Used by this package's conftest.py and by benchmarks/orthanc_modalities_bench.py.
"""

import contextlib
import glob
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from base64 import b64encode
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
ORTHANC_BIN = "/usr/sbin/Orthanc"
STORESCP_BIN = "/usr/bin/storescp"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "s3cret-admin"  # noqa: S105 - throwaway credentials of a loopback-only test server
PG_PASSWORD = "s3cret-pg"  # noqa: S105


class ServerExited(RuntimeError):
    """A server process ended while we waited for it (e.g. another process took its free port meanwhile)."""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_bin_dir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found: apt-get install postgresql")
    return Path(found[-1]).parent


def pg_index_plugin():
    """The PostgreSQL index plugin as the orthanc-postgresql package installs it."""
    for pattern in (
        "/usr/share/orthanc/plugins/libOrthancPostgreSQLIndex.so",
        "/usr/lib/orthanc/libOrthancPostgreSQLIndex.so*",
    ):
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    raise RuntimeError("libOrthancPostgreSQLIndex.so not found: apt-get install orthanc-postgresql")


def _tail(path, lines=40):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_pid_gone(pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


class PostgresServer:
    """A throwaway PostgreSQL cluster (initdb as the postgres user) on a free loopback port."""

    def __init__(self, database="orthanc", user="orthanc", password=PG_PASSWORD):
        self.database, self.user, self.password = database, user, password
        self.bin = pg_bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="pacs-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = None
        self.pid = None
        self._as_postgres = os.geteuid() == 0

    def _run(self, argv, timeout=120):
        if self._as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=self.root, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr}{proc.stdout}")
        return proc

    def start(self):
        if self._as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        os.chmod(self.root, 0o700)
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self._as_postgres:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        self._run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--pwfile",
                str(pwfile),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync",
            ]
        )
        pwfile.unlink()
        for _attempt in range(3):
            self.port = free_port()
            options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            try:
                pg_ctl = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log)]
                self._run([*pg_ctl, "-w", "-t", "90", "start"])
                break
            except RuntimeError:
                if "could not bind" not in _tail(self.log):
                    raise RuntimeError(f"PostgreSQL did not start:\n{_tail(self.log)}") from None
        self.pid = int((self.data / "postmaster.pid").read_text().split()[0])
        self.psql(f"CREATE ROLE {self.user} LOGIN PASSWORD '{self.password}'")
        self.psql(f"CREATE DATABASE {self.database} OWNER {self.user}")
        return self

    def psql(self, sql, database="postgres"):
        argv = [str(self.bin / "psql"), "-h", str(self.root), "-p", str(self.port), "-U", "postgres"]
        argv += ["-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql]
        return self._run(argv).stdout.strip()

    def stop(self):
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown
            if not _wait_pid_gone(self.pid, 60):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
                _wait_pid_gone(self.pid, 10)
            self.pid = None
        shutil.rmtree(self.root, ignore_errors=True)

    def orthanc_section(self):
        return {
            "EnableIndex": True,
            "EnableStorage": False,
            "Host": "127.0.0.1",
            "Port": self.port,
            "Database": self.database,
            "Username": self.user,
            "Password": self.password,
            "Lock": True,
            "EnableSsl": False,
        }


class OrthancServer:
    """/usr/sbin/Orthanc on free loopback ports with a config of its own; restartable with the same ports."""

    def __init__(self, name, postgres=None, modalities_in_database=False, extra=None):
        self.name = name
        self.root = Path(tempfile.mkdtemp(prefix=f"pacs-orthanc-{name}-"))
        self.config_path = self.root / "orthanc.json"
        self.log = self.root / "orthanc.log"
        self.postgres = postgres
        self.http_port = free_port()
        self.dicom_port = free_port()
        self.aet = name.upper().replace("-", "_")[:16]
        config = {
            "Name": f"pacs-test-{name}",
            "StorageDirectory": str(self.root / "storage"),
            "IndexDirectory": str(self.root / "storage"),
            "HttpPort": self.http_port,
            "DicomPort": self.dicom_port,
            "DicomAet": self.aet,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": True,
            "RegisteredUsers": {ADMIN_USER: ADMIN_PASSWORD},
            "DicomModalitiesInDatabase": modalities_in_database,
            "DicomScuTimeout": 5,
            "SaveJobs": False,
        }
        if postgres is not None:
            # The plugin keys stored modalities by this identifier; the default (hashed from MAC addresses,
            # AET and ports) changed at most restarts on the test machine.
            config["DatabaseServerIdentifier"] = f"pacs-test-{name}"
            config["Plugins"] = [pg_index_plugin()]
            config["PostgreSQL"] = postgres.orthanc_section()
        config.update(extra or {})
        self.config = config
        self.process = None
        self._started = False

    @property
    def url(self):
        return f"http://127.0.0.1:{self.http_port}"

    def write_config(self):
        # A comment, as Orthanc's own files carry them: the modules' config reader must cope.
        text = "// written by tests/integration/orthanc_native\n" + json.dumps(self.config, indent=2)
        self.config_path.write_text(text)

    def start(self, timeout=90):
        # A free port can be taken between free_port() and Orthanc's bind: retry a first start on new ports.
        # Once Orthanc has run, its ports stay (restarts must find the same server).
        attempts = 1 if self._started else 3
        for attempt in range(attempts):
            self.write_config()
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(
                    [ORTHANC_BIN, str(self.config_path)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.root,
                    start_new_session=True,
                )
            try:
                self.wait_ready(timeout)
            except ServerExited:
                if attempt + 1 == attempts:
                    raise
                self.http_port, self.dicom_port = free_port(), free_port()
                self.config.update(HttpPort=self.http_port, DicomPort=self.dicom_port)
                continue
            self._started = True
            return self
        return self

    def wait_ready(self, timeout):
        """Poll until /system answers and the index database answers /changes?last."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerExited(f"Orthanc {self.name} exited with {self.process.returncode}:\n{_tail(self.log)}")
            try:
                status, _body = self.api("GET", "/system", timeout=5)
                if status == 200:
                    status, _body = self.api("GET", "/changes?last", timeout=10)
                    if status == 200:
                        return
                last = f"HTTP {status}"
            except OSError as exc:
                last = exc
            time.sleep(0.2)
        raise RuntimeError(f"Orthanc {self.name} not ready after {timeout} s ({last}):\n{_tail(self.log)}")

    def stop(self, timeout=60):
        if self.process is None:
            return
        pid = self.process.pid
        if self.process.poll() is None:
            os.kill(pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None

    def restart(self):
        self.stop()
        return self.start()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def api(self, method, path, body=None, timeout=30):
        """A plain urllib call, independent of the code under test. Returns (status, decoded body)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)  # noqa: S310 - http on loopback
        token = b64encode(f"{ADMIN_USER}:{ADMIN_PASSWORD}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            raw, status = exc.read(), exc.code
        try:
            return status, json.loads(raw) if raw.strip() else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def modalities(self):
        status, answer = self.api("GET", "/modalities?expand")
        assert status == 200, answer
        return answer

    def clear_modalities(self):
        for name in list(self.modalities()):
            self.api("DELETE", f"/modalities/{name}")

    def connection(self, url=None):
        """Connection options for the modules."""
        return {"url": url or self.url, "username": ADMIN_USER, "password": ADMIN_PASSWORD}


class DicomPeer:
    """dcmtk's storescp: a real DICOM AE that answers C-ECHO."""

    def __init__(self, aet="PEER"):
        self.aet = aet
        self.port = None
        self.process = None
        self.root = Path(tempfile.mkdtemp(prefix="pacs-peer-"))

    def start(self, timeout=30, attempts=3):
        for _attempt in range(attempts):  # a new port when another process took the free one first
            self.port = free_port()
            self.process = subprocess.Popen(
                [STORESCP_BIN, "--aetitle", self.aet, "--output-directory", str(self.root), str(self.port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.process.poll() is None:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
                time.sleep(0.1)
            if self.process.poll() is None:
                raise RuntimeError(f"storescp not listening on {self.port} after {timeout} s")
        raise RuntimeError(f"storescp exited with {self.process.returncode} {attempts} times")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)


class CountingProxy:
    """A reverse proxy on loopback that forwards to Orthanc and records every request (method, path)."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.requests = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy._lock:
                    proxy.requests.append((self.command, self.path))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn = http.client.HTTPConnection("127.0.0.1", proxy.target_port, timeout=120)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    answer = conn.getresponse()
                    payload = answer.read()
                    self.send_response(answer.status, answer.reason)
                    for key, value in answer.getheaders():
                        if key.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length"):
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(payload)
                finally:
                    conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = _forward

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.thread.start()
        return self

    def reset(self):
        with self._lock:
            self.requests.clear()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def run_module(name, args, check_mode=False, diff=False, timeout=300):
    """Run a module of this collection in a subprocess, exactly as Ansible's module runner feeds it.

    Returns (result dict, CompletedProcess). Failures are results with failed=True, as from Ansible.
    """
    payload = dict(args)
    payload["_ansible_check_mode"] = check_mode
    payload["_ansible_diff"] = diff
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": payload}, handle)
        args_file = handle.name
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT / ".collections")
    for key in ("ORTHANC_URL", "ORTHANC_USERNAME", "ORTHANC_PASSWORD"):
        env.pop(key, None)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", f"ansible_collections.pacs.orthanc.plugins.modules.{name}", args_file],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=tempfile.gettempdir(),
        )
    finally:
        os.unlink(args_file)
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError(f"{name} printed no JSON (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}") from None
    return result, proc
