"""The lab: hosts answer Ansible over the docker connection and run a nested Docker Engine."""

import os

import pytest

from tests.conftest import run

LAB_HOSTS = int(os.environ.get("LAB_HOSTS", "3"))
NAMES = [f"pacs-lab-{i}" for i in range(1, LAB_HOSTS + 1)]


@pytest.fixture(scope="module")
def lab():
    run(["scripts/lab.sh", "up"], env={"LAB_HOSTS": str(LAB_HOSTS)})
    return NAMES


def test_every_lab_host_answers_ansible_ping(lab):
    proc = run(["ansible", "-i", "inventories/lab", "all", "-m", "ansible.builtin.ping"])
    for name in lab:
        assert f"{name} | SUCCESS" in proc.stdout
    assert proc.stdout.count("ping: pong") == len(lab)


def test_second_lab_up_reuses_images_and_hosts(lab):
    ids_before = run(["docker", "inspect", "-f", "{{.Id}}", *lab]).stdout
    proc = run(["scripts/lab.sh", "up"], env={"LAB_HOSTS": str(LAB_HOSTS)})
    assert "building" not in proc.stderr
    assert "pacs-lab/host:trixie is up to date" in proc.stderr
    assert run(["docker", "inspect", "-f", "{{.Id}}", *lab]).stdout == ids_before


def test_nested_engine_runs_a_locally_built_image(lab):
    host = lab[0]
    run(
        [
            "docker", "exec", host, "bash", "-c",
            "command -v dockerd >/dev/null || { apt-get update -qq && "
            "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null; }; "
            "systemctl start docker && systemctl is-active docker",
        ]
    )  # fmt: skip
    run(["bash", "-o", "pipefail", "-c", f"docker save pacs.local/debian:trixie | docker exec -i {host} docker load"])
    cmd = ["docker", "exec", host, "docker", "run", "--rm", "pacs.local/debian:trixie", "cat", "/etc/debian_version"]
    proc = run(cmd)
    assert proc.stdout.strip().startswith("13"), proc.stdout


def test_a_stopped_host_is_started_in_place_with_its_files(lab):
    # A machine restored from a snapshot has its lab hosts stopped: recreating one over its nested
    # engine's volume would bring back containers whose bind-mounted files are gone.
    host = lab[-1]
    run(["docker", "exec", host, "bash", "-c", "mkdir -p /opt/lab-test && echo kept > /opt/lab-test/marker"])
    id_before = run(["docker", "inspect", "-f", "{{.Id}}", host]).stdout
    run(["docker", "stop", host])
    proc = run(["scripts/lab.sh", "up"], env={"LAB_HOSTS": str(LAB_HOSTS)})
    assert f"starting the stopped host {host}" in proc.stderr
    assert run(["docker", "inspect", "-f", "{{.Id}}", host]).stdout == id_before
    assert run(["docker", "exec", host, "cat", "/opt/lab-test/marker"]).stdout.strip() == "kept"
    run(["docker", "exec", host, "rm", "-r", "/opt/lab-test"])
