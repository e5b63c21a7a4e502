"""The collection frame and the lab script's input checks."""

import json
import tarfile

import pytest

from tests.conftest import run


@pytest.mark.parametrize("bad", ["0", "abc", "-1", "10", ""])
def test_lab_refuses_bad_host_count(bad):
    proc = run(["scripts/lab.sh", "up"], check=False, env={"LAB_HOSTS": bad})
    assert proc.returncode != 0
    assert "LAB_HOSTS must be a whole number from 1 to 9" in proc.stderr
    assert f"got '{bad}'" in proc.stderr


def test_collection_builds_and_installs(tmp_path):
    run(["ansible-galaxy", "collection", "build", "--output-path", str(tmp_path / "dist")])
    (archive,) = (tmp_path / "dist").glob("pacs-orthanc-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "MANIFEST.json" in names
    assert not [n for n in names if n.startswith((".venv", ".collections", ".ansible/", ".git/"))], (
        "build_ignore leaks local dirs"
    )

    run(["ansible-galaxy", "collection", "install", "--force", "-p", str(tmp_path / "installed"), str(archive)])
    manifest = tmp_path / "installed" / "ansible_collections" / "pacs" / "orthanc" / "MANIFEST.json"
    info = json.loads(manifest.read_text())["collection_info"]
    assert (info["namespace"], info["name"]) == ("pacs", "orthanc")
