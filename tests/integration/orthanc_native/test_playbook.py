"""The modules as a play uses them: ansible-playbook, module_defaults group, environment credentials, the
target's system python3 (stdlib only), then idempotence and an honest --check --diff."""

import re

from tests.conftest import run
from tests.integration.orthanc_native.servers import ADMIN_PASSWORD, ADMIN_USER

PLAYBOOK = "tests/integration/orthanc_native/playbooks/rest_modules.yml"


def _recap(stdout):
    match = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", stdout)
    assert match, stdout
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, match.groups()), strict=True))


def test_playbook_converges_then_changes_nothing(orthanc_pg, dicom_peer):
    argv = [
        "ansible-playbook",
        "-i",
        "localhost,",
        "-c",
        "local",
        "-e",
        "ansible_python_interpreter=/usr/bin/python3",
        "-e",
        f"orthanc_test_url={orthanc_pg.url}",
        "-e",
        f"orthanc_test_config={orthanc_pg.config_path}",
        "-e",
        f"orthanc_test_peer_aet={dicom_peer.aet}",
        "-e",
        f"orthanc_test_peer_port={dicom_peer.port}",
        PLAYBOOK,
    ]
    env = {"ORTHANC_USERNAME": ADMIN_USER, "ORTHANC_PASSWORD": ADMIN_PASSWORD}

    first = run(argv, env=env)
    assert _recap(first.stdout) == {"ok": 6, "changed": 2, "unreachable": 0, "failed": 0}
    live = orthanc_pg.modalities()
    assert sorted(live) == ["ct1", "peer", "ws"]
    assert (live["ws"]["AllowStore"], live["ws"]["Timeout"], live["ct1"]["Manufacturer"]) == (False, 20, "GE")

    second = run(argv, env=env)
    assert _recap(second.stdout)["changed"] == 0

    orthanc_pg.api("PUT", "/modalities/ct1", {"AET": "CT1", "Host": "127.0.0.3", "Port": 4242})  # drift
    checked = run([*argv, "--check", "--diff"], env=env)
    assert _recap(checked.stdout)["changed"] == 1
    assert "-    port: 4242" in checked.stdout or '-    "port": 4242' in checked.stdout, checked.stdout
    assert orthanc_pg.modalities()["ct1"]["Port"] == 4242  # check mode wrote nothing
