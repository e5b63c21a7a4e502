"""site.yml on the lab, the path a newcomer takes: converge, verify, no-op re-run, check mode, failure report."""

import re

from tests.conftest import run
from tests.integration.conftest import HOSTS, INVENTORY, LAB_HOSTS, SERVERS, recap


def test_verify_reports_every_host_with_a_postgresql_index_and_working_echo(converged_lab):
    proc = run(["ansible-playbook", *INVENTORY, "playbooks/verify.yml"])
    for host in HOSTS:
        aet = host.upper().replace("-", "_")
        server = host in SERVERS
        row = re.search(
            rf"- {host}\s+OK\s+\S+\s+{aet if server else 'GW_' + aet}\s+{'postgresql' if server else '-'}\s+http://\S+\n"
            rf"\s*- '  modalities: ([^']*)'\n\s*- '  echo: ([^']*)'\n\s*- '  backlog: ([^']*)'",
            proc.stdout,
        )
        assert row, f"no OK row for {host}:\n{proc.stdout[-4000:]}"
        modalities, echoes, backlog = row.groups()
        assert backlog.startswith("empty"), backlog
        if not server:
            assert echoes.startswith("gateway->server") and modalities == ""
            continue
        # The server knows its own gateway, every other lab host's gateway (generated from the inventory)
        # and the lab's sender (inventory group_vars).
        assert set(modalities.split(",")) == {"client", "lab-sender", *(h for h in HOSTS if h != host)}
        assert "server->gateway" in echoes and "gateway->server" in echoes
    assert f"All {LAB_HOSTS} hosts verified" in proc.stdout


def test_second_run_changes_nothing(converged_lab):
    counts = recap(run(["ansible-playbook", *INVENTORY, "site.yml"], timeout=1800).stdout)
    assert {h: counts[h]["changed"] for h in HOSTS} == dict.fromkeys(HOSTS, 0)


def test_check_mode_with_diff_changes_nothing(converged_lab):
    counts = recap(run(["ansible-playbook", *INVENTORY, "site.yml", "--check", "--diff"], timeout=1800).stdout)
    assert {h: counts[h]["changed"] for h in HOSTS} == dict.fromkeys(HOSTS, 0)


def test_verify_fails_and_names_the_host_whose_orthanc_is_stopped(converged_lab):
    # Not the server the gateway-only host forwards to (the first one), whose row would fail too.
    victim = SERVERS[-1]
    run(["docker", "exec", victim, "docker", "stop", "orthanc-orthanc-1"])
    try:
        proc = run(["ansible-playbook", *INVENTORY, "playbooks/verify.yml"], check=False)
        assert proc.returncode != 0
        assert f"Verification failed on: {victim}" in proc.stdout, proc.stdout[-3000:]
        for host in (h for h in HOSTS if h != victim):
            assert re.search(rf"- {host}\s+OK\s", proc.stdout), f"{host} should still verify"
    finally:
        # site.yml brings the stopped container back: the stack converges again by itself.
        run(["ansible-playbook", *INVENTORY, "site.yml"], timeout=1800)
    run(["ansible-playbook", *INVENTORY, "playbooks/verify.yml"])
