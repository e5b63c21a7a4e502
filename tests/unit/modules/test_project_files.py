"""pacs.orthanc.project_files through the real AnsibleModule on a temporary directory (no root needed)."""

import grp
import json
import os
import pwd
import stat

import pytest
from ansible.module_utils import basic

from ansible_collections.pacs.orthanc.plugins.modules import project_files

USER = pwd.getpwuid(os.getuid()).pw_name
OLD_SECRET, NEW_SECRET = "s3cret-value-123", "n3w-secret-value"  # test values that must not leak
GROUP = grp.getgrgid(os.getgid()).gr_name


def run(monkeypatch, capsys, args, check_mode=False, diff=False):
    payload = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": payload}).encode())
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy")
    with pytest.raises(SystemExit):
        project_files.main()
    return json.loads(capsys.readouterr().out)


def project(tmp_path, compose="services: {}\n", secret=OLD_SECRET, validate=None):
    own = {"owner": USER, "group": GROUP}
    files = [{"path": str(tmp_path / "p" / "compose.yaml"), "content": compose, "mode": "0640", **own}]
    if validate:
        files[0]["validate"] = validate
    return {
        "directories": [{"path": str(tmp_path / "p"), "mode": "0750", **own}],
        "files": files,
        "secret_files": [{"path": str(tmp_path / "p" / "password"), "content": secret, "mode": "0400", **own}],
    }


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_writes_everything_then_changes_nothing(monkeypatch, capsys, tmp_path):
    first = run(monkeypatch, capsys, project(tmp_path))
    assert first["changed"] is True
    assert first["changed_paths"] == [str(tmp_path / "p"), str(tmp_path / "p" / "compose.yaml")]
    assert first["changed_secrets"] == 1
    assert (tmp_path / "p" / "password").read_text() == OLD_SECRET
    assert mode(tmp_path / "p") == 0o750 and mode(tmp_path / "p" / "password") == 0o400
    again = run(monkeypatch, capsys, project(tmp_path))
    assert again["changed"] is False and again["changed_paths"] == [] and again["changed_secrets"] == 0


def test_check_mode_writes_nothing(monkeypatch, capsys, tmp_path):
    result = run(monkeypatch, capsys, project(tmp_path), check_mode=True)
    assert result["changed"] is True
    assert not (tmp_path / "p").exists()


def test_a_mode_change_alone_is_a_change(monkeypatch, capsys, tmp_path):
    run(monkeypatch, capsys, project(tmp_path))
    os.chmod(tmp_path / "p" / "compose.yaml", 0o644)
    result = run(monkeypatch, capsys, project(tmp_path))
    assert result["changed_paths"] == [str(tmp_path / "p" / "compose.yaml")]
    assert mode(tmp_path / "p" / "compose.yaml") == 0o640


def test_diff_shows_plain_files_and_never_secrets(monkeypatch, capsys, tmp_path):
    run(monkeypatch, capsys, project(tmp_path))
    changed = project(tmp_path, compose="services: {a: {}}\n", secret=NEW_SECRET)
    result = run(monkeypatch, capsys, changed, diff=True)
    assert result["changed_secrets"] == 1
    assert result["diff"] == [
        {
            "before_header": str(tmp_path / "p" / "compose.yaml"),
            "after_header": str(tmp_path / "p" / "compose.yaml"),
            "before": "services: {}\n",
            "after": "services: {a: {}}\n",
        }
    ]
    assert NEW_SECRET not in json.dumps(result) and OLD_SECRET not in json.dumps(result)


def test_a_failed_validation_keeps_the_old_file(monkeypatch, capsys, tmp_path):
    run(monkeypatch, capsys, project(tmp_path))
    result = run(monkeypatch, capsys, project(tmp_path, compose="broken\n", validate="grep -q services %s"))
    assert result["failed"] is True
    assert result["msg"].startswith(f"{tmp_path / 'p' / 'compose.yaml'}: validation failed (grep -q services %s)")
    assert (tmp_path / "p" / "compose.yaml").read_text() == "services: {}\n"
    assert sorted(os.listdir(tmp_path / "p")) == ["compose.yaml", "password"], "no temporary file left behind"


def test_absent_files_are_removed_once_and_null_ownership_is_left_alone(monkeypatch, capsys, tmp_path):
    old = tmp_path / "host.yml"
    old.write_text("old naming\n")
    args = {
        "directories": [{"path": str(tmp_path / "d"), "mode": "0700", "owner": None, "group": None}],
        "files": [{"path": str(tmp_path / "d" / "f"), "content": "x", "mode": "0600", "owner": None, "group": None}],
        "absent": [str(old), str(tmp_path / "never-there")],
    }
    checked = run(monkeypatch, capsys, args, check_mode=True)
    assert checked["changed"] is True and str(old) in checked["changed_paths"] and old.exists()
    first = run(monkeypatch, capsys, args)
    assert first["changed_paths"] == [str(tmp_path / "d"), str(tmp_path / "d" / "f"), str(old)]
    assert not old.exists()
    assert os.stat(tmp_path / "d" / "f").st_uid == os.getuid()
    again = run(monkeypatch, capsys, args)
    assert again["changed"] is False and again["changed_paths"] == []
