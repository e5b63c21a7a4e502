"""Store-and-forward drills on the lab: gateways lose nothing through outages, restarts and a full disk.

Real Orthanc containers on the lab hosts, real DICOM from this machine (pynetdicom, fresh UIDs). The lab
(inventories/lab) has classic hosts (server + gateway) and a gateway-only host, pacs-lab-3, that forwards to
pacs-lab-1's server. Runs after test_site.py, on the lab it converged.
"""

import json
import re
import time
from contextlib import contextmanager

import pytest

from tests.conftest import run
from tests.dicom import fresh_instances, store
from tests.integration.conftest import GATEWAY_ONLY, INVENTORY, SERVERS

SERVER_HTTP, GATEWAY_HTTP, GATEWAY_DICOM = 8042, 8043, 4243

# Runs inside a lab host: REST calls to its own instances with the admin password kept on the host, so
# no secret appears in an argument list.
REMOTE = r"""
import base64, json, sys, urllib.request
password = open("/opt/orthanc/secrets/admin-password").read()
auth = "Basic " + base64.b64encode(("admin:" + password).encode()).decode()
def rest(port, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data, method=method)
    request.add_header("Authorization", auth)
    with urllib.request.urlopen(request, timeout=60) as answer:
        raw = answer.read().decode()
    try:
        return json.loads(raw)
    except ValueError:
        return raw
port, action = json.loads(sys.argv[1])
if action == "md5s":
    out = {}
    for instance in rest(port, "GET", "/instances?expand"):
        md5 = rest(port, "GET", "/instances/%s/attachments/dicom/md5" % instance["ID"])
        out[instance["MainDicomTags"]["SOPInstanceUID"]] = md5
    print(json.dumps(out))
elif isinstance(action, list):
    print(json.dumps(rest(port, *action)))
else:
    print(json.dumps(rest(port, "GET", action)))
"""


def remote(host, port, action, check=True):
    proc = run(["docker", "exec", "-i", host, "python3", "-", json.dumps([port, action])], input=REMOTE, check=check)
    return json.loads(proc.stdout) if proc.returncode == 0 else None


def address(host):
    template = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
    return run(["docker", "inspect", "-f", template, host]).stdout.strip()


def in_host(host, *argv):
    return run(["docker", "exec", host, *argv])


def wait_for(what, predicate, timeout=300, every=3):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up after {timeout} s waiting for {what}"
        time.sleep(every)


def gateway_count(host):
    stats = remote(host, GATEWAY_HTTP, "/statistics", check=False)
    return None if stats is None else stats["CountInstances"]


def verify(*extra):
    return run(["ansible-playbook", *INVENTORY, "playbooks/verify.yml", *extra], check=False)


def accepted(statuses):
    return {uid for uid, status in statuses.items() if status == 0}


@pytest.fixture(scope="module")
def lab(converged_lab):
    if not GATEWAY_ONLY:
        pytest.fail("the gateway drills need LAB_HOSTS >= 3 (pacs-lab-3 is the gateway-only host)")
    return converged_lab


def test_gateways_keep_every_instance_through_outages_and_restarts(lab, tmp_path):
    server, remote_gateway = SERVERS[0], GATEWAY_ONLY[0]
    # The gateway-only host forwards to the first server (playbooks/vars/fleet.yml, name order).
    assert remote(remote_gateway, GATEWAY_HTTP, "/modalities/server/configuration")["AET"] == server.upper().replace(
        "-", "_"
    )
    batches = {
        server: fresh_instances(tmp_path / "local", 50),
        remote_gateway: fresh_instances(tmp_path / "remote", 50),
    }
    in_host(server, "docker", "stop", "orthanc-orthanc-1")
    try:
        for gateway, files in batches.items():
            aet = "GW_" + gateway.upper().replace("-", "_")
            statuses = store(files.values(), address(gateway), GATEWAY_DICOM, aet)
            assert accepted(statuses) == set(files), f"{gateway} refused some: {statuses}"
        # What each gateway holds while its server is away: every instance, by SOPInstanceUID and MD5.
        held = {gateway: remote(gateway, GATEWAY_HTTP, "md5s") for gateway in batches}
        for gateway, files in batches.items():
            assert set(held[gateway]) == set(files)

        # The classic host's gateway container restarts, the gateway-only host reboots, and the server
        # host's engine restarts, all while the backlogs are pending.
        in_host(server, "docker", "restart", "orthanc-orthanc-client-1")
        run(["docker", "restart", remote_gateway])
        in_host(server, "systemctl", "restart", "docker")
        for gateway in batches:
            assert wait_for(f"{gateway}'s gateway after the restart", lambda g=gateway: gateway_count(g) == 50)

        # verify.yml names the gateway whose backlog is older than the threshold, and why.
        time.sleep(2)
        proc = verify("-e", "orthanc_gateway_backlog_max_age=1")
        assert proc.returncode != 0
        text = " ".join(proc.stdout.split())  # long table lines come folded
        failed = re.search(r"Verification failed on: ([\w-]+(?:, [\w-]+)*)", text).group(1).split(", ")
        assert remote_gateway in failed, proc.stdout[-3000:]
        row = rf"{remote_gateway} FAILED '? - ' error: Read the backlog of the gateway[^']*: 50 instances not confirmed"
        assert re.search(row, text), proc.stdout[-3000:]
    finally:
        in_host(server, "docker", "start", "orthanc-orthanc-1")

    for gateway in batches:
        assert wait_for(f"{gateway}'s gateway to drain", lambda g=gateway: gateway_count(g) == 0)
    on_server = remote(server, SERVER_HTTP, "md5s")
    for gateway, files in batches.items():
        assert {uid: on_server.get(uid) for uid in files} == held[gateway], f"{gateway}: lost or altered instances"
    proc = verify()
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert f"- {remote_gateway}" in proc.stdout and "backlog: empty" in proc.stdout


@contextmanager
def gateway_setting(host, setting):
    """site.yml on one host with one extra setting (as -e name=value, a string); the inventory's back after."""
    site = ["ansible-playbook", *INVENTORY, "site.yml", "--limit", host]
    run([*site, "-e", setting], timeout=1800)
    try:
        yield "GW_" + host.upper().replace("-", "_")
    finally:
        in_host(host, "docker", "start", "orthanc-orthanc-1")
        run(site, timeout=1800)


def test_a_full_gateway_refuses_and_loses_nothing_it_accepted(lab, tmp_path):
    host = SERVERS[-1]
    with gateway_setting(host, "orthanc_gateway_max_storage_mb=1") as aet:
        in_host(host, "docker", "stop", "orthanc-orthanc-1")
        files = fresh_instances(tmp_path, 60)  # about 2.3 MB against a bound of 1 MB
        statuses = store(files.values(), address(host), GATEWAY_DICOM, aet)
        taken = accepted(statuses)
        refused = [uid for uid, status in statuses.items() if status != 0]
        assert taken and refused, statuses
        # Refusals are failures (0xA700 out of resources), not warnings, so the sender keeps its copy.
        assert all(statuses[uid] is not None and statuses[uid] & 0xF000 in (0xA000, 0xC000) for uid in refused)
        held = remote(host, GATEWAY_HTTP, "md5s")
        assert set(held) == taken
        in_host(host, "docker", "start", "orthanc-orthanc-1")
        assert wait_for("the full gateway to drain", lambda: gateway_count(host) == 0)
        on_server = remote(host, SERVER_HTTP, "md5s")
        assert {uid: on_server.get(uid) for uid in taken} == held
        # Drained, it accepts again.
        again = store(list(files.values())[-3:], address(host), GATEWAY_DICOM, aet)
        assert set(again.values()) == {0}, again


def test_with_retention_the_gateway_keeps_confirmed_copies_labelled(lab, tmp_path):
    host = SERVERS[-1]
    with gateway_setting(host, "orthanc_gateway_retention_days=2") as aet:
        files = fresh_instances(tmp_path, 5)
        assert set(store(files.values(), address(host), GATEWAY_DICOM, aet).values()) == {0}
        today = "forwarded-" + time.strftime("%Y%m%d", time.gmtime())
        assert wait_for(
            "the copies to be confirmed", lambda: today in (remote(host, GATEWAY_HTTP, "/tools/labels") or [])
        )
        held = remote(host, GATEWAY_HTTP, "md5s")
        assert set(held) == set(files), "confirmed copies must stay for the retention period"
        kept = {"Level": "Instance", "Query": {}, "Labels": [today], "LabelsConstraint": "All"}
        labelled = remote(host, GATEWAY_HTTP, ["POST", "/tools/find", kept])
        assert len(labelled) == len(files)
        on_server = remote(host, SERVER_HTTP, "md5s")
        assert {uid: on_server.get(uid) for uid in files} == held
    # Back to no retention: the confirmed copies are deleted by the next sweeps.
    assert wait_for("the kept copies to go", lambda: gateway_count(host) == 0, timeout=120)
