"""site.yml on the lab, the path a newcomer takes: converge, verify, no-op re-run, check mode, failure report."""

import os
import re

import pytest

from tests.conftest import run

LAB_HOSTS = int(os.environ.get("LAB_HOSTS", "3"))
HOSTS = [f"pacs-lab-{i}" for i in range(1, LAB_HOSTS + 1)]
INVENTORY = ["-i", "inventories/lab"]


def recap(stdout):
    """{host: {'ok': n, 'changed': n, 'failed': n, ...}} from a PLAY RECAP."""
    rows = re.findall(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$", stdout, re.M)
    return {host: {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counts)} for host, counts in rows}


@pytest.fixture(scope="module")
def converged_lab():
    run(["scripts/lab.sh", "up"], env={"LAB_HOSTS": str(LAB_HOSTS)})
    proc = run(["ansible-playbook", *INVENTORY, "site.yml"], timeout=3600)
    counts = recap(proc.stdout)
    assert set(HOSTS) <= set(counts), proc.stdout[-3000:]
    return counts


def test_verify_reports_every_host_with_a_postgresql_index_and_working_echo(converged_lab):
    proc = run(["ansible-playbook", *INVENTORY, "playbooks/verify.yml"])
    for host in HOSTS:
        aet = host.upper().replace("-", "_")
        row = re.search(
            rf"- {host}\s+OK\s+\S+\s+{aet}\s+postgresql\s+http://\S+\n"
            rf"\s*- '  modalities: ([^']*)'\n\s*- '  echo: ([^']*)'",
            proc.stdout,
        )
        assert row, f"no OK row for {host}:\n{proc.stdout[-4000:]}"
        modalities, echoes = row.groups()
        # The server knows its own gateway and every other lab host's gateway (generated from the inventory).
        assert set(modalities.split(",")) == {"client", *(h for h in HOSTS if h != host)}
        assert "server->gateway" in echoes and "gateway->server" in echoes
    assert f"All {LAB_HOSTS} hosts verified" in proc.stdout


def test_second_run_changes_nothing(converged_lab):
    counts = recap(run(["ansible-playbook", *INVENTORY, "site.yml"], timeout=1800).stdout)
    assert {h: counts[h]["changed"] for h in HOSTS} == dict.fromkeys(HOSTS, 0)


def test_check_mode_with_diff_changes_nothing(converged_lab):
    counts = recap(run(["ansible-playbook", *INVENTORY, "site.yml", "--check", "--diff"], timeout=1800).stdout)
    assert {h: counts[h]["changed"] for h in HOSTS} == dict.fromkeys(HOSTS, 0)


def test_verify_fails_and_names_the_host_whose_orthanc_is_stopped(converged_lab):
    victim = HOSTS[-1]
    run(["docker", "exec", victim, "docker", "stop", "orthanc-orthanc-1"])
    try:
        proc = run(["ansible-playbook", *INVENTORY, "playbooks/verify.yml"], check=False)
        assert proc.returncode != 0
        assert f"Verification failed on: {victim}" in proc.stdout, proc.stdout[-3000:]
        for host in HOSTS[:-1]:
            assert re.search(rf"- {host}\s+OK\s", proc.stdout), f"{host} should still verify"
    finally:
        # site.yml brings the stopped container back: the stack converges again by itself.
        run(["ansible-playbook", *INVENTORY, "site.yml"], timeout=1800)
    run(["ansible-playbook", *INVENTORY, "playbooks/verify.yml"])
