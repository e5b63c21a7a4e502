"""The official flavor (images_source pull/archive, orthanc_image_flavor official) deployed for real.

No registry is reachable here, so the Orthanc image is the orthancteam/orthanc contract stand-in
(lab/official-standin, scripts/standin-image.sh), brought to the host as an archive. The stack runs on the
lab's first server as a second compose project ("official", its own ports), so the lab's stack is untouched,
and is removed with its volumes afterwards. Checked from outside the role: the containers run as the image's
uid without capabilities and are healthy by the image's own probe, no legacy variable is set, the index is
PostgreSQL, the modalities are registered, C-ECHO works both ways, an instance sent to the gateway reaches
the server, and a second run changes nothing.
"""

import json

import pytest

from tests.conftest import REPO_ROOT, run
from tests.dicom import SENDER_AET, fresh_instances, store
from tests.integration.conftest import INVENTORY, SERVERS, recap

HOST = SERVERS[0]
PLAYBOOK = REPO_ROOT / "tests" / "integration" / "roles" / "orthanc" / "official.yml"
SERVER, CLIENT = "official-orthanc-1", "official-orthanc-client-1"
SERVER_HTTP, CLIENT_HTTP, CLIENT_DICOM = 8052, 8053, 4253
# Variables the official image refuses to start with (a sample of its env-var-legacy.json).
LEGACY = {"PG_HOST", "PG_PASSWORD", "PG_ENABLED", "DW_ENABLED", "AC_AUTHENTICATION_ENABLED", "DICOM_AET", "NAME"}

# Runs inside the host: REST as admin with the password kept on the host (no secret in an argument list).
REMOTE = r"""
import base64, json, sys, urllib.request
password = open("/opt/orthanc-official/secrets/admin-password").read()
port, method, path = json.loads(sys.argv[1])
request = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=b"{}" if method == "POST" else None,
                                 method=method)
request.add_header("Authorization", "Basic " + base64.b64encode(("admin:" + password).encode()).decode())
with urllib.request.urlopen(request, timeout=60) as answer:
    print(json.dumps(json.loads(answer.read().decode() or "null")))
"""


def rest(port, path, method="GET"):
    proc = run(["docker", "exec", "-i", HOST, "python3", "-", json.dumps([port, method, path])], input=REMOTE)
    return json.loads(proc.stdout)


def deploy(standin, state="present"):
    variables = {"official_host": HOST, "official_state": state, "standin_archive": standin["archive"],
                 "standin_ref": standin["image"]}  # fmt: skip
    return run(["ansible-playbook", *INVENTORY, str(PLAYBOOK), "-e", json.dumps(variables)], timeout=1800)


@pytest.fixture(scope="module")
def standin():
    """The stand-in image and its archive (built once per recipe, cached)."""
    return json.loads(run(["scripts/standin-image.sh"], timeout=1800).stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def official(converged_lab, standin):
    deploy(standin)
    yield standin
    deploy(standin, "absent")


def inspect(container):
    proc = run(["docker", "exec", HOST, "docker", "inspect", container])
    return json.loads(proc.stdout)[0]


@pytest.mark.parametrize("container", [SERVER, CLIENT])
def test_runs_as_the_image_uid_without_capabilities_healthy_by_the_image_probe(official, container):
    info = inspect(container)
    assert info["Config"]["Image"] == official["image"]
    assert info["Config"]["User"] == "999:999"
    assert info["HostConfig"]["CapDrop"] == ["ALL"] and not info["HostConfig"]["CapAdd"]
    assert info["Config"]["Healthcheck"]["Test"] == ["CMD", "python3", "/probes/test-aliveness.py"]
    assert info["State"]["Health"]["Status"] == "healthy", info["State"]["Health"]["Log"][-1:]
    names = {entry.split("=", 1)[0] for entry in info["Config"]["Env"]}
    assert not names & LEGACY and not any(name.startswith("ORTHANC__") for name in names), names
    no_curl = run(["docker", "exec", HOST, "docker", "exec", container, "sh", "-c", "command -v curl"], check=False)
    assert no_curl.returncode != 0, "the stand-in must not ship curl, as the official image does not"
    mounts = {m["Destination"]: m for m in info["Mounts"]}
    assert mounts["/var/lib/orthanc"]["Type"] == "volume"
    assert mounts["/etc/orthanc/orthanc.json"]["RW"] is False


def test_configuration_with_secrets_is_0400_and_owned_by_the_image_uid(official):
    proc = run(["docker", "exec", HOST, "stat", "-c", "%n %a %u", "/opt/orthanc-official/config/orthanc.json",
                "/opt/orthanc-official/config/orthanc-client.json"])  # fmt: skip
    assert [line.split()[1:] for line in proc.stdout.splitlines()] == [["400", "999"], ["400", "999"]]
    netrc = run(["docker", "exec", HOST, "ls", "/opt/orthanc-official/config/"]).stdout.split()
    assert not [name for name in netrc if name.endswith(".netrc")], "no curl, so no netrc for the probe"


def test_index_is_postgresql_and_the_modalities_are_registered(official):
    system = rest(SERVER_HTTP, "/system")
    assert "PostgreSQL" in (system["DatabaseBackendPlugin"] or ""), system
    assert system["DicomAet"] == "OFFICIAL"
    assert set(rest(SERVER_HTTP, "/modalities")) >= {"client", "lab-sender"}
    assert set(rest(CLIENT_HTTP, "/modalities")) >= {"server", "lab-sender"}
    assert set(rest(SERVER_HTTP, "/plugins")) >= {"postgresql-index"}


def test_c_echo_both_ways(official):
    assert rest(SERVER_HTTP, "/modalities/client/echo", "POST") == {}
    assert rest(CLIENT_HTTP, "/modalities/server/echo", "POST") == {}


def test_an_instance_sent_to_the_gateway_reaches_the_server(official, tmp_path):
    address = run(["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", HOST])
    instances = fresh_instances(tmp_path, 3)
    statuses = store(instances.values(), address.stdout.strip(), CLIENT_DICOM, "GW_OFFICIAL", SENDER_AET)
    assert set(statuses.values()) == {0}, statuses
    found = set()
    for _attempt in range(60):
        found = {i["MainDicomTags"]["SOPInstanceUID"] for i in rest(SERVER_HTTP, "/instances?expand")}
        if set(instances) <= found:
            break
        run(["sleep", "2"])
    assert set(instances) <= found


def test_second_run_changes_nothing(official):
    counts = recap(deploy(official).stdout)
    assert counts[HOST]["changed"] == 0, counts
