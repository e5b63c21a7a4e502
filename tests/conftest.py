"""Shared test helpers: the repository root, the collection on sys.path, and a command runner."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# `make setup` links the repository as .collections/ansible_collections/pacs/orthanc.
sys.path.insert(0, str(REPO_ROOT / ".collections"))


def run(argv, *, check=True, env=None, input=None, timeout=1800, cwd=REPO_ROOT):
    """Run a command from the repository root; on failure the assertion shows its output."""
    full_env = dict(os.environ)
    full_env["PATH"] = f"{REPO_ROOT / '.venv' / 'bin'}:{full_env.get('PATH', '')}"
    full_env["ANSIBLE_CONFIG"] = str(REPO_ROOT / "ansible.cfg")
    full_env.update(env or {})
    proc = subprocess.run(
        argv,
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        check=False,
        text=input is None or isinstance(input, str),
        timeout=timeout,
    )
    if check:
        assert proc.returncode == 0, (
            f"{' '.join(map(str, argv))} exited {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-6000:]}"
        )
    return proc


@pytest.fixture(scope="session")
def repo_root():
    return REPO_ROOT
