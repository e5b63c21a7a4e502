"""Unit-test harness: the real AnsibleModule, with only the HTTP boundary (api.http_open) replaced by a fake Orthanc.

The fake keeps Orthanc's observable REST behaviour that the modules rely on (checked against Orthanc 1.10.1
by the integration tests in tests/integration/orthanc_native): 404 documents, PUT replacing whole entries,
400 for ports and manufacturers Orthanc refuses, 500 for a failed C-ECHO, 503 while the database is down.
"""

import importlib
import io
import json
import urllib.error
from base64 import b64encode

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as ansible_warnings

API = "ansible_collections.pacs.orthanc.plugins.module_utils.api"
MODULES = "ansible_collections.pacs.orthanc.plugins.modules"
URL = "http://orthanc.test:8042"

DEFAULT_ENTRY = {
    "Manufacturer": "Generic",
    "AllowEcho": True,
    "AllowStore": True,
    "AllowFind": True,
    "AllowFindWorklist": True,
    "AllowGet": True,
    "AllowMove": True,
    "AllowNAction": True,
    "AllowEventReport": True,
    "AllowTranscoding": True,
    "UseDicomTls": False,
    "LocalAet": "",
    "Timeout": 0,
}


def orthanc_error(status, method, uri, message, details=None):
    body = {"HttpStatus": status, "Message": message, "OrthancError": message, "Method": method, "Uri": uri}
    if details:
        body["Details"] = details
    return body


class Response:
    def __init__(self, status, payload):
        self.status = status
        self._payload = payload

    def getcode(self):
        return self.status

    def read(self):
        return self._payload


class FakeOrthanc:
    """Answers http_open calls like Orthanc would, and records every request."""

    def __init__(self):
        self.modalities = {}
        self.requests = []  # (method, path, decoded body)
        self.calls = []  # http_open keyword arguments
        self.users = {"admin": "secret"}
        self.refuse_connections = 0  # next N requests: connection refused (Orthanc not started yet)
        self.unavailable = 0  # next N requests: 503 (database not available)
        self.database_down = False  # /changes?last and /statistics hang (time out)
        self.echo_ok = True
        self.system = {
            "Name": "fake",
            "Version": "1.10.1",
            "ApiVersion": 16,
            "DatabaseBackendPlugin": "/usr/lib/orthanc/libOrthancPostgreSQLIndex.so.4.0",
            "DatabaseVersion": 6,
            "DicomAet": "ORTHANC",
            "DicomPort": 4242,
            "HttpPort": 8042,
            "StorageAreaPlugin": None,
        }
        # A gateway's content: instance id -> {"labels": set, "received": ReceptionDate}; its job history.
        self.instances = {}
        self.jobs = []
        self.plugins = {
            "explorer.js": {"ID": "explorer.js"},
            "postgresql-index": {"ID": "postgresql-index", "Version": "4.0", "Description": "PostgreSQL index"},
        }

    # -- helpers for tests ---------------------------------------------------------------------------
    def add(self, name, aet, host, port, **keys):
        entry = dict(DEFAULT_ENTRY, AET=aet, Host=host, Port=port)
        entry.update(keys)
        self.modalities[name] = entry

    @property
    def writes(self):
        return [r for r in self.requests if r[0] != "GET"]

    # -- the HTTP boundary ---------------------------------------------------------------------------
    def __call__(self, url, method=None, data=None, headers=None, timeout=None, context=None, **kwargs):
        assert url.startswith(URL), url
        path = url[len(URL) :]
        body = json.loads(data) if data else None
        self.calls.append(dict(kwargs, url=url, method=method, timeout=timeout, headers=headers, context=context))
        self.requests.append((method, path, body))
        if self.refuse_connections:
            self.refuse_connections -= 1
            raise urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))
        if self.users:
            user, password = kwargs.get("url_username"), kwargs.get("url_password")
            if not kwargs.get("force_basic_auth") or self.users.get(user) != password:
                self._raise(url, 401, None)
        if self.unavailable:
            self.unavailable -= 1
            self._raise(url, 503, orthanc_error(503, method, path, "The database is currently not available"))
        status, answer = self.route(method, path, body)
        if status >= 400:
            self._raise(url, status, answer)
        if isinstance(answer, str):
            return Response(status, answer.encode())
        payload = b"" if answer is None else json.dumps(answer).encode()
        return Response(status, payload)

    def _raise(self, url, status, answer):
        payload = b"" if answer is None else json.dumps(answer).encode()
        raise urllib.error.HTTPError(url, status, {401: "Unauthorized"}.get(status, "Error"), {}, io.BytesIO(payload))

    def route(self, method, path, body):
        parts = path.split("?")[0].strip("/").split("/")
        if method == "GET" and path == "/system":
            return 200, self.system
        if method == "GET" and path == "/plugins":
            return 200, sorted(self.plugins)
        if method == "GET" and parts[0] == "plugins" and len(parts) == 2:
            return 200, self.plugins[parts[1]]
        if method == "GET" and path in ("/changes?last", "/statistics"):
            if self.database_down:
                raise TimeoutError("timed out")
            if path == "/statistics":
                return 200, {"CountPatients": 1, "CountStudies": 1, "CountSeries": 2, "CountInstances": 7}
            return 200, {"Changes": [], "Done": True, "Last": 42}
        if method == "GET" and path == "/modalities?expand":
            return 200, self.modalities
        if parts[0] == "modalities" and len(parts) >= 2:
            return self.modality(method, path, parts, body)
        if parts[0] in ("instances", "tools", "jobs") and path != "/tools/dicom-echo":
            return self.gateway(method, path, parts, body)
        if method == "POST" and path == "/tools/dicom-echo":
            return self.echo(method, path, body.get("AET"))
        return 404, orthanc_error(404, method, path, "Unknown resource")

    def modality(self, method, path, parts, body):
        name = parts[1]
        missing = orthanc_error(
            404, method, path, "Accessing an inexistent item", f"No modality with symbolic name: {name}"
        )
        if method == "GET" and parts[2:] == ["configuration"]:
            return (200, self.modalities[name]) if name in self.modalities else (404, missing)
        if method == "PUT" and len(parts) == 2:
            if not 1 <= body["Port"] <= 65534:
                return 400, orthanc_error(400, method, path, "Parameter out of range", "A TCP port number must be ...")
            if body.get("Manufacturer", "Generic") not in (
                "Generic",
                "GenericNoWildcardInDates",
                "GenericNoUniversalWildcard",
                "GE",
                "Vitrea",
            ):
                return 400, orthanc_error(400, method, path, "Parameter out of range", "Unknown modality manufacturer")
            self.modalities[name] = dict(DEFAULT_ENTRY, **body)
            return 200, None
        if method == "DELETE" and len(parts) == 2:
            if name not in self.modalities:
                return 404, missing
            del self.modalities[name]
            return 200, None
        if method == "POST" and parts[2:] == ["echo"]:
            if name not in self.modalities:
                return 404, missing
            return self.echo(method, path, self.modalities[name]["AET"])
        return 404, orthanc_error(404, method, path, "Unknown resource")

    def gateway(self, method, path, parts, body):
        """Labels, counting and finding instances (Orthanc 1.12.5+), metadata and the job history."""
        if method == "GET" and path == "/tools/labels":
            return 200, sorted({label for i in self.instances.values() for label in i["labels"]})
        if method == "GET" and path == "/jobs?expand":
            return 200, self.jobs
        if method == "POST" and path in ("/tools/count-resources", "/tools/find"):
            assert body["Level"] == "Instance" and body["Query"] == {}
            wanted, constraint = set(body.get("Labels", [])), body.get("LabelsConstraint", "All")
            ids = [
                iid
                for iid, i in self.instances.items()
                if not wanted
                or (constraint == "None" and not wanted & i["labels"])
                or (constraint == "Any" and wanted & i["labels"])
                or (constraint == "All" and wanted <= i["labels"])
            ]
            if path == "/tools/count-resources":
                return 200, {"Count": len(ids)}
            if body.get("OrderBy") == [{"Type": "Metadata", "Key": "ReceptionDate", "Direction": "ASC"}]:
                ids.sort(key=lambda iid: self.instances[iid]["received"])
            return 200, ids[: body.get("Limit") or None]
        if method == "GET" and len(parts) == 4 and parts[2:] == ["metadata", "ReceptionDate"]:
            if parts[1] not in self.instances:
                return 404, orthanc_error(404, method, path, "Unknown resource")
            # Metadata comes back as plain text, not JSON.
            return 200, self.instances[parts[1]]["received"]
        return 404, orthanc_error(404, method, path, "Unknown resource")

    def echo(self, method, path, aet):
        if self.echo_ok:
            return 200, {}
        return 500, orthanc_error(
            500,
            method,
            path,
            "Error in the network protocol",
            f'DicomAssociation - connecting to AET "{aet}": TCP Initialization Error: Connection refused',
        )


class FakeClock:
    """Replaces the client's clock and sleep: retries take no real time, and every wait is recorded."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(f"{API}._now", fake.monotonic)
    monkeypatch.setattr(f"{API}._sleep", fake.sleep)
    return fake


@pytest.fixture
def orthanc(monkeypatch, clock):
    fake = FakeOrthanc()
    monkeypatch.setattr(f"{API}.http_open", fake)
    for key in ("ORTHANC_URL", "ORTHANC_USERNAME", "ORTHANC_PASSWORD"):
        monkeypatch.delenv(key, raising=False)
    return fake


CONNECTION = {"url": URL, "username": "admin", "password": "secret"}


@pytest.fixture
def run_module(monkeypatch, capsys):
    """Run a module's main() with the real AnsibleModule; return its JSON result (failures included)."""

    def run(name, args, check_mode=False, diff=False, connection=True):
        payload = dict(CONNECTION) if connection else {}
        payload.update(args)
        payload["_ansible_check_mode"] = check_mode
        payload["_ansible_diff"] = diff
        monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": payload}).encode())
        monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy")
        # Warnings are collected per process: start each run with none, as a real module process does.
        for store in ("_global_warnings", "_global_deprecations"):
            monkeypatch.setattr(ansible_warnings, store, type(getattr(ansible_warnings, store))())
        module = importlib.import_module(f"{MODULES}.{name}")
        capsys.readouterr()
        with pytest.raises(SystemExit) as exc:
            module.main()
        out = capsys.readouterr().out
        result = json.loads(out)
        assert (exc.value.code != 0) == bool(result.get("failed")), result
        return result

    return run


def warnings_of(result):
    """Warning texts, whatever shape this ansible-core gives them."""
    texts = []
    for warning in result.get("warnings", []):
        if isinstance(warning, dict):
            warning = warning.get("event", warning).get("msg", "")
        texts.append(warning)
    return texts


def basic_auth(user, password):
    return "Basic " + b64encode(f"{user}:{password}".encode()).decode()
