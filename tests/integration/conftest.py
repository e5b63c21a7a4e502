"""The lab converged once for every test module that uses it (site.yml takes a minute or two)."""

import os
import re
import shutil
import signal
import subprocess

import pytest

from tests.conftest import REPO_ROOT, run

LAB_HOSTS = int(os.environ.get("LAB_HOSTS", "3"))
# LAB_PREFIX runs the lab tests on a second lab of the same engine (scripts/lab.sh labels its hosts
# host-<prefix>); the inventory is inventories/lab with that label selected.
LAB_PREFIX = os.environ.get("LAB_PREFIX", "pacs-lab")
HOSTS = [f"{LAB_PREFIX}-{i}" for i in range(1, LAB_HOSTS + 1)]


def lab_inventory():
    """The lab inventory directory for LAB_PREFIX."""
    source = REPO_ROOT / "inventories" / "lab"
    if LAB_PREFIX == "pacs-lab":
        return source
    target = REPO_ROOT / "tests" / "output" / f"inventory-{LAB_PREFIX}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    hosts = target / "01-hosts.docker.yml"
    text = hosts.read_text()
    assert '| default("") == "host"' in text, "inventories/lab no longer selects hosts by label"
    hosts.write_text(text.replace('| default("") == "host"', f'| default("") == "host-{LAB_PREFIX}"'))
    return target


INVENTORY_DIR = lab_inventory()
INVENTORY = ["-i", str(INVENTORY_DIR)]
# inventories/lab/01-hosts.docker.yml: the third host (pacs-lab-3) is a gateway-only host forwarding to the
# site's first server in name order (pacs-lab-1); the others run the classic layout (server and gateway).
GATEWAY_ONLY = [h for h in HOSTS if h.endswith("-3")]
SERVERS = [h for h in HOSTS if h not in GATEWAY_ONLY]


def recap(stdout):
    """{host: {'ok': n, 'changed': n, 'failed': n, ...}} from a PLAY RECAP."""
    rows = re.findall(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$", stdout, re.M)
    return {host: {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counts)} for host, counts in rows}


# The task after the one that writes the project's files (new secrets, the rotation marker) and before
# PostgreSQL is touched: a run killed there is the worst point for secrets and roles.
AFTER_FILES_TASK = "TASK [pacs.orthanc.orthanc : Note whether the stack can run and whether it must be brought up]"


def kill_playbook_at(argv, task=AFTER_FILES_TASK):
    """Run ansible-playbook argv (from the repository) and SIGKILL it with its children when it starts task, as
    a crash would. Returns its output up to there."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"), PYTHONUNBUFFERED="1")
    env["PATH"] = f"{REPO_ROOT / '.venv' / 'bin'}:{env['PATH']}"
    proc = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True)
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith(task):
            os.killpg(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "".join(seen[-40:])
    return "".join(seen)


@pytest.fixture(scope="session")
def converged_lab():
    run(["scripts/lab.sh", "up"], env={"LAB_HOSTS": str(LAB_HOSTS)})
    proc = run(["ansible-playbook", *INVENTORY, "site.yml"], timeout=3600)
    counts = recap(proc.stdout)
    assert set(HOSTS) <= set(counts), proc.stdout[-3000:]
    return counts
