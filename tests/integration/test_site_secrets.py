"""Secrets never show: site.yml -vvv --diff (a first run, a re-run, an interrupted password rotation and the run
that finishes it), docker inspect of every container, docker events and the compose file hold none of the host's
secrets (old and new passwords, the label key). The first run is a second compose project on one lab host (its
own directory, project name, ports and DICOM subnet), removed with its data afterwards.

The interrupted rotation is the worst point: the new PostgreSQL password file is written, PostgreSQL still has
the old password. ansible-playbook is killed there (SIGKILL, no cleanup), and the next plain run (the inventory
unchanged, the new password now the kept one) must finish the rotation: Orthanc healthy, PostgreSQL taking the
new password.
"""

import json
import os

import pytest

from tests.conftest import run
from tests.integration.conftest import INVENTORY, SERVERS, kill_playbook_at, recap

HOST = SERVERS[0]
SECRETS = "/opt/orthanc/secrets"
# PostgreSQL is asked with the password file as it is now on the host (the container's bind mount keeps the
# file it started with), on stdin: nothing secret on any argv here.
PG_LOGIN = (
    "docker exec -i orthanc-postgres-1 sh -c '"
    "read -r PGPASSWORD; export PGPASSWORD; "
    'psql -h "$(hostname -i | cut -d" " -f1)" -U orthanc -d orthanc -tAc "select 1"'
    f"' < {SECRETS}/postgres-password"
)


def on_host(*argv, check=True):
    return run(["docker", "exec", HOST, *argv], check=check)


def secrets(directory=SECRETS):
    """Every secret the stack keeps on the host (passwords, label key), as the role wrote them."""
    listing = on_host("sh", "-c", f"for f in {directory}/*; do cat $f; echo; done").stdout.split("\n")
    found = {line.strip() for line in listing if len(line.strip()) >= 12}
    assert len(found) >= 3, "expected the admin and PostgreSQL passwords and the label key"
    return found


def site(*extra):
    proc = run(["ansible-playbook", *INVENTORY, "site.yml", "--limit", HOST, "-vvv", "--diff", *extra], timeout=1800)
    return proc.stdout + proc.stderr


def exposed_text(project_dir="/opt/orthanc"):
    names = on_host("docker", "ps", "-aq").stdout.split()
    inspect = on_host("docker", "inspect", *names).stdout
    compose = on_host("cat", f"{project_dir}/compose.yaml").stdout
    events = on_host("docker", "events", "--since", "30m", "--until", "0s", "--format", "{{json .}}").stdout
    return inspect + compose + events


def assert_hidden(texts, known):
    for secret in known:
        for where, text in texts.items():
            assert secret not in text, f"a secret appears in {where}"


def pg_takes_the_kept_password():
    return on_host("sh", "-c", PG_LOGIN, check=False).returncode == 0


@pytest.fixture(scope="module")
def lab(converged_lab):
    return converged_lab


def test_secrets_stay_out_of_output_and_an_interrupted_rotation_is_finished_by_the_next_run(lab):
    outputs = {"re-run": site()}
    old = secrets()

    new_password = "Interrupted-" + os.urandom(8).hex()
    argv = ["ansible-playbook", *INVENTORY, "site.yml", "--limit", HOST, "-vvv", "--diff"]
    argv += ["-e", f"orthanc_postgres_password={new_password}"]
    outputs["interrupted rotation"] = kill_playbook_at(argv)

    # The worst point: the new password is the kept one, PostgreSQL still has the old one.
    assert new_password in secrets()
    assert on_host("test", "-e", f"{SECRETS}/postgres-password.rotating", check=False).returncode == 0
    assert not pg_takes_the_kept_password()

    # The next run, with the inventory as it always was, finishes the rotation.
    outputs["run after the interruption"] = site()
    assert pg_takes_the_kept_password()
    assert on_host("test", "-e", f"{SECRETS}/postgres-password.rotating", check=False).returncode != 0
    again = run(["ansible-playbook", *INVENTORY, "site.yml", "--limit", HOST], timeout=1800)
    assert recap(again.stdout)[HOST]["changed"] == 0

    outputs["docker inspect, compose.yaml, docker events"] = exposed_text()
    assert_hidden(outputs, old | secrets())


# A second project on HOST, next to the lab's: what a first run looks like, without a fresh host.
FIRST_RUN = {
    "orthanc_project_dir": "/opt/orthanc-firstrun",
    "orthanc_project_name": "firstrun",
    "orthanc_dicom_subnet": "172.31.253.0/28",
    "orthanc_dicom_port": 4262,
    "orthanc_http_port": 8062,
    "orthanc_gateway_dicom_port": 4263,
    "orthanc_gateway_http_port": 8063,
    "orthanc_adminer_port": 8082,
    # The controller's scrape file is named by host: the lab project's must stay.
    "orthanc_prometheus_dir": "",
}


def test_a_first_run_shows_no_secret(lab):
    project = ["-e", json.dumps(FIRST_RUN)]
    try:
        outputs = {"first run": site(*project)}
        outputs["docker inspect, compose.yaml, docker events"] = exposed_text(FIRST_RUN["orthanc_project_dir"])
        assert_hidden(outputs, secrets(FIRST_RUN["orthanc_project_dir"] + "/secrets"))
    finally:
        gone = {**FIRST_RUN, "orthanc_state": "absent", "orthanc_purge_data": True}
        run(["ansible-playbook", *INVENTORY, "site.yml", "--limit", HOST, "-e", json.dumps(gone)], timeout=1800)
    assert on_host("test", "-e", FIRST_RUN["orthanc_project_dir"], check=False).returncode != 0
    left = on_host("docker", "ps", "-aq", "--filter", "label=com.docker.compose.project=firstrun").stdout
    assert left.strip() == "", "the first-run project left containers"
