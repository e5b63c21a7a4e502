"""site.yml through ansible-runner's Python API, the way AWX / an execution environment runs it: no change."""

import os

import ansible_runner
import pytest

from tests.conftest import REPO_ROOT
from tests.integration.conftest import HOSTS, INVENTORY_DIR


@pytest.mark.lab
@pytest.mark.slow
def test_site_through_ansible_runner_changes_nothing_on_the_converged_lab(converged_lab, tmp_path):
    venv_bin = REPO_ROOT / ".venv" / "bin"
    runner = ansible_runner.run(
        private_data_dir=str(tmp_path),  # artifacts (events, stdout) land here
        project_dir=str(REPO_ROOT),
        playbook="site.yml",
        inventory=str(INVENTORY_DIR),
        envvars={
            "PATH": f"{venv_bin}:{os.environ.get('PATH', '')}",
            "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"),
            "ANSIBLE_COLLECTIONS_PATH": str(REPO_ROOT / ".collections"),
        },
        quiet=True,
        timeout=1800,
    )
    with runner.stdout as handle:
        stdout = handle.read()[-4000:]
    assert runner.status == "successful", (runner.status, runner.rc, stdout)
    assert runner.rc == 0, stdout
    stats = runner.stats
    assert set(HOSTS) <= set(stats["processed"]), stats
    # Ansible lists a host under changed, failures or dark only when its count is not zero.
    assert {h: stats["changed"].get(h, 0) for h in HOSTS} == dict.fromkeys(HOSTS, 0), stats
    assert not stats["failures"] and not stats["dark"], stats
