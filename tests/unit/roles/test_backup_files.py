"""roles/orthanc/files/backup_files.py: the archive checks restore relies on, and the storage check of a backup."""

import importlib.util
import json
import re
import tarfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "roles" / "orthanc" / "files" / "backup_files.py"
spec = importlib.util.spec_from_file_location("backup_files", SCRIPT)
backup_files = importlib.util.module_from_spec(spec)
spec.loader.exec_module(backup_files)

FORMAT, VERSION = "pacs.orthanc-backup", "1"


def make_backup(directory):
    directory.mkdir()
    for name, data in {"index.dump": b"PGDMP...", "storage.tar": b"x" * 4096, "secrets.json": b"{}"}.items():
        (directory / name).write_bytes(data)
    files = {name: backup_files.digest(str(directory / name)) for name in ("index.dump", "storage.tar", "secrets.json")}
    manifest = {"format": FORMAT, "format_version": 1, "name": "20261201T000000Z", "files": files}
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return manifest


def test_a_complete_backup_passes_and_returns_its_manifest(tmp_path):
    manifest = make_backup(tmp_path / "b")
    assert backup_files.check(str(tmp_path / "b"), FORMAT, VERSION) == manifest


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "manifest.json").unlink(), "is not a backup: it has no manifest.json"),
        (lambda d: (d / "manifest.json").write_text("not json"), "is not a pacs.orthanc backup manifest"),
        (lambda d: (d / "manifest.json").write_text('{"format": "restic"}'), "is a foreign archive"),
        (lambda d: (d / "storage.tar").write_bytes(b"x" * 100), "storage.tar is truncated or altered: 100 bytes"),
        (lambda d: (d / "storage.tar").write_bytes(b"y" * 4096), "storage.tar is altered: its SHA-256 differs"),
        (lambda d: (d / "index.dump").unlink(), "index.dump is missing"),
    ],
)
def test_a_damaged_backup_is_refused_naming_what_is_wrong(tmp_path, damage, message):
    make_backup(tmp_path / "b")
    damage(tmp_path / "b")
    with pytest.raises(backup_files.BackupError, match=re.escape(message)):
        backup_files.check(str(tmp_path / "b"), FORMAT, VERSION)


def test_a_manifest_without_the_dump_is_incomplete(tmp_path):
    make_backup(tmp_path / "b")
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    del manifest["files"]["index.dump"]
    (tmp_path / "b" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(backup_files.BackupError, match=re.escape("lists no index.dump")):
        backup_files.check(str(tmp_path / "b"), FORMAT, VERSION)


def test_pack_reports_indexed_files_missing_from_storage(tmp_path):
    storage, project, dest = tmp_path / "storage", tmp_path / "project", tmp_path / "dest"
    (storage / "ab" / "cd").mkdir(parents=True)
    (storage / "ab" / "cd" / "abcd-1").write_bytes(b"dicom")
    (project / "secrets").mkdir(parents=True)
    (project / "secrets" / "admin-password").write_text("secret")
    (project / "compose.yaml").write_text("name: orthanc\n")
    dest.mkdir()
    (tmp_path / "uuids").write_text("abcd-1\nabcd-2\n")
    result = backup_files.pack(str(storage), str(project), str(dest), str(tmp_path / "uuids"))
    assert result["missing"] == ["abcd-2"] and result["storage_files"] == 1
    with tarfile.open(dest / "storage.tar") as archive:
        assert archive.getnames() == [".", "ab", "ab/cd", "ab/cd/abcd-1"]
        assert archive.getmember("ab/cd").isdir()
    with tarfile.open(dest / "config.tar") as archive:
        assert archive.getnames() == [".", "compose.yaml"], "secrets stay out of config.tar"
    assert set(result["files"]) == {"storage.tar", "config.tar"}
    assert result["files"]["storage.tar"]["size"] == (dest / "storage.tar").stat().st_size
