"""plugins/ runs on the managed hosts, whose python3 may be 3.9 (RHEL 9): vermin proves nothing needs more."""

import sys
from pathlib import Path

from tests.conftest import run

# The console script of the virtualenv running the tests (vermin has no __main__).
VERMIN = [str(Path(sys.executable).parent / "vermin"), "--no-tips", "--violations", "-t=3.9-"]


def test_plugins_run_on_python_3_9():
    proc = run([*VERMIN, "plugins/"], check=False)
    assert proc.returncode == 0, proc.stdout


def test_the_check_catches_a_3_10_feature(tmp_path):
    # zip(strict=...) came with 3.10; ruff even asks for it unless plugins/ targets py39 (pyproject.toml).
    (tmp_path / "newer.py").write_text("pairs = list(zip([1], [2], strict=True))\n")
    proc = run([*VERMIN, str(tmp_path)], check=False)
    assert proc.returncode != 0
    assert "'zip(strict)' requires !2, 3.10" in proc.stdout
