"""`make unit` needs neither root nor a Docker engine: run it as an unprivileged user on a copy of the repository."""

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run

USER = "pacs-tier"
VENV = REPO_ROOT / ".venv"


@pytest.fixture(scope="module")
def user():
    try:
        pwd.getpwnam(USER)
    except KeyError:
        run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER])
    return pwd.getpwnam(USER)


@pytest.fixture
def copy_for(user):
    """The repository's files as in the working tree (tracked and new), owned by the user; no .venv."""
    root = Path(tempfile.mkdtemp(prefix="pacs-tier-"))
    repo = root / "repo"
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]).stdout
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is not copied
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name, follow_symlinks=False)
    (root / "home").mkdir()
    # The virtualenv goes along (the repository may live where other users cannot enter, e.g. /root), with
    # its scripts' shebangs pointed at the copy; the stamp comes along, so setup.sh finds it current.
    venv = root / "venv"
    shutil.copytree(VENV, venv, symlinks=True)
    old, new = f"#!{VENV}/bin/", f"#!{venv}/bin/"
    for script in (venv / "bin").iterdir():
        if script.is_file() and not script.is_symlink():
            head = script.read_bytes()[: len(old)]
            if head == old.encode():
                script.write_bytes(new.encode() + script.read_bytes()[len(old) :])
    run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(root)])
    yield repo
    shutil.rmtree(root)


def test_make_unit_runs_unprivileged_without_docker(user, copy_for):
    venv = copy_for.parent / "venv"
    stamp = venv / ".requirements.sha256"
    before = stamp.stat().st_mtime_ns
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(copy_for.parent / "home"),
        "LANG": "C.UTF-8",
        # Anything that tried the engine would fail.
        "DOCKER_HOST": "unix:///nonexistent",
        "VENV": str(venv),
    }
    argv = ["runuser", "-u", USER, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()), "make", "unit"]
    proc = subprocess.run(argv, cwd=copy_for, capture_output=True, text=True, timeout=120, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    assert os.stat(copy_for).st_uid == user.pw_uid != 0
    assert "virtualenv up to date" in out  # setup.sh only read the stamp
    assert stamp.stat().st_mtime_ns == before
    assert "apt-get" not in out
    summary = re.search(r"=+ (\d+) passed(?P<rest>[^=]*) in [\d.]+s", out)
    assert summary, out[-3000:]
    assert int(summary[1]) > 0
    assert "failed" not in summary["rest"] and "error" not in summary["rest"]
