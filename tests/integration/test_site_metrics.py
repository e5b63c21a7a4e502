"""Prometheus metrics of the converged lab: credentials required, the controller's scrape files, verify's table."""

import os
import re
import stat
from pathlib import Path

import pytest
import yaml

from tests.conftest import run
from tests.integration.conftest import HOSTS, INVENTORY, SERVERS
from tests.integration.lab_rest import Rest, address

# orthanc_prometheus_dir's default: the lab does not set it.
PROMETHEUS_DIR = Path(os.environ["HOME"]) / ".config" / "pacs-orthanc" / "prometheus"
METRICS = "/tools/metrics-prometheus"


@pytest.fixture(scope="module")
def server(converged_lab):
    return SERVERS[0]


def test_metrics_need_credentials_and_answer_the_metrics_user(server):
    anonymous = Rest(server, password="")
    assert anonymous.raw(METRICS, auth=False)[0] == 401
    password = run(["docker", "exec", server, "cat", "/opt/orthanc/secrets/metrics-password"]).stdout.strip()
    status, content_type, body = Rest(server, user="metrics", password=password).raw(METRICS)
    assert status == 200 and content_type.startswith("text/plain"), (status, content_type)
    assert re.search(rb"^orthanc_count_instances \d+", body, re.M), body[:500]


def test_the_controller_holds_a_scrape_file_and_a_private_password_file_per_host(server):
    for host in HOSTS:
        # Named by host and project (the lab's project is the default, orthanc); the old host-only names are gone.
        config = yaml.safe_load((PROMETHEUS_DIR / f"{host}.orthanc.yml").read_text())
        assert not (PROMETHEUS_DIR / f"{host}.yml").exists()
        (job,) = config["scrape_configs"]
        assert job["job_name"] == f"pacs-orthanc-{host}-orthanc"
        password_file = Path(job["basic_auth"]["password_file"])
        assert password_file == PROMETHEUS_DIR / f"{host}.orthanc.password"
        assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
        assert job["metrics_path"] == METRICS and job["basic_auth"]["username"] == "metrics"
        targets = {c["labels"]["pacs_instance"]: c["targets"] for c in job["static_configs"]}
        assert {c["labels"]["pacs_project"] for c in job["static_configs"]} == {"orthanc"}
        # The lab publishes the server's REST on all interfaces (target: the host's address), the gateway's on
        # loopback (target: loopback, for a Prometheus on that host).
        assert targets.get("gateway") == ["127.0.0.1:8043"], targets
        if host in SERVERS:
            assert targets["server"] == [f"{address(host)}:8042"], targets
    # The password file is what Prometheus would send: it opens the metrics of that host.
    password = (PROMETHEUS_DIR / f"{server}.orthanc.password").read_text()
    assert Rest(server, user="metrics", password=password).raw(METRICS)[0] == 200


def test_verify_shows_key_metrics_per_host(server):
    proc = run(["ansible-playbook", *INVENTORY, "playbooks/verify.yml"])
    for host in HOSTS:
        row = re.search(
            rf"- {host}\s+OK\s.*?metrics: instances=(\d+) disk=([\d.]+)MB jobs_pending=(\d+) dicom_threads_free=(\d+)",
            proc.stdout,
            re.S,
        )
        assert row, f"no metrics for {host}:\n{proc.stdout[-3000:]}"
