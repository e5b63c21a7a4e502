"""Every molecule scenario (molecule/<name>/molecule.yml): create, converge, idempotence, verify, destroy."""

from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run

SCENARIOS = sorted(p.parent.name for p in (REPO_ROOT / "molecule").glob("*/molecule.yml"))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenario(scenario):
    proc = run(["molecule", "test", "-s", scenario], check=False, timeout=3600)
    log = Path(REPO_ROOT / "tests" / "output" / f"molecule-{scenario}.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(proc.stdout + proc.stderr)
    assert proc.returncode == 0, f"molecule test -s {scenario} failed; full log in {log}\n{proc.stdout[-8000:]}"
