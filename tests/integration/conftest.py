"""The lab converged once for every test module that uses it (site.yml takes a minute or two)."""

import os
import re

import pytest

from tests.conftest import run

LAB_HOSTS = int(os.environ.get("LAB_HOSTS", "3"))
HOSTS = [f"pacs-lab-{i}" for i in range(1, LAB_HOSTS + 1)]
INVENTORY = ["-i", "inventories/lab"]
# inventories/lab/01-hosts.docker.yml: pacs-lab-3 is a gateway-only host forwarding to the site's first server
# in name order (pacs-lab-1); the others run the classic layout (server and gateway).
GATEWAY_ONLY = [h for h in HOSTS if h == "pacs-lab-3"]
SERVERS = [h for h in HOSTS if h not in GATEWAY_ONLY]


def recap(stdout):
    """{host: {'ok': n, 'changed': n, 'failed': n, ...}} from a PLAY RECAP."""
    rows = re.findall(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$", stdout, re.M)
    return {host: {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counts)} for host, counts in rows}


@pytest.fixture(scope="session")
def converged_lab():
    run(["scripts/lab.sh", "up"], env={"LAB_HOSTS": str(LAB_HOSTS)})
    proc = run(["ansible-playbook", *INVENTORY, "site.yml"], timeout=3600)
    counts = recap(proc.stdout)
    assert set(HOSTS) <= set(counts), proc.stdout[-3000:]
    return counts
