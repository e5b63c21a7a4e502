"""The REST API of a lab host's Orthanc from this machine (the lab publishes it on the host's address)."""

import base64
import json
import time
import urllib.error
import urllib.request

from tests.conftest import run

SERVER_HTTP = 8042


def address(host):
    """The lab host's address on the engine's network."""
    template = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
    return run(["docker", "inspect", "-f", template, host]).stdout.strip()


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class Rest:
    """One Orthanc's REST API; by default the host's server as admin (password read on the host, never printed)."""

    def __init__(self, host, port=SERVER_HTTP, user="admin", password=None):
        self.base = f"http://{address(host)}:{port}"
        if password is None:
            password = run(["docker", "exec", host, "cat", "/opt/orthanc/secrets/admin-password"]).stdout.strip()
        self.auth = basic(user, password)

    def raw(self, path, method="GET", body=None, accept=None, auth=True):
        request = urllib.request.Request(self.base + path, data=body, method=method)  # noqa: S310 - http to a lab host
        if auth:
            request.add_header("Authorization", self.auth)
        if accept:
            request.add_header("Accept", accept)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
                return answer.status, answer.headers.get("Content-Type", ""), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, "", error.read()

    def json(self, path, method="GET", body=None):
        """JSON in (a dict or list), or raw bytes (a DICOM file); JSON out; anything but 200 fails the test."""
        data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        status, _type, answer = self.raw(path, method, data)
        assert status == 200, f"{method} {path}: HTTP {status} {answer[:300]!r}"
        return json.loads(answer)

    def wait(self, timeout=120):
        """Until the server answers /system."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.raw("/system")[0] == 200:
                    return
            except OSError:
                pass
            assert time.monotonic() < deadline, f"{self.base} did not answer within {timeout} s"
            time.sleep(1)
