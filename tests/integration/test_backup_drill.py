"""Backup, restore and upgrade drills on hosts of their own (pacs-drill-1, pacs-drill-2), removed at the end.

Real lab hosts with nested Docker Engines, real PostgreSQL and Orthanc from Debian packages, real DICOM:
deploy on trixie (Orthanc 1.12.7, PostgreSQL 17), store instances with fresh UIDs, back up while a sender keeps
storing, destroy the host, restore onto a fresh one, then upgrade that one to forky (Orthanc 1.13.0,
PostgreSQL 18) through site.yml. Every refusal (missing, truncated, foreign archive, data already there, wrong
version, no disk, PostgreSQL major without consent) is shown to stop before the stack is touched.
The steps depend on each other, so they are one test each for backup/restore and upgrade, in order.
"""

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, run
from tests.dicom import fresh_instances, store
from tests.integration.conftest import recap
from tests.integration.test_site_gateway import address, in_host, remote

# DRILL_PREFIX lets a second checkout run the drills on the same engine beside this one.
DRILL_PREFIX = os.environ.get("DRILL_PREFIX", "pacs-drill")
ORIGIN, TARGET = f"{DRILL_PREFIX}-1", f"{DRILL_PREFIX}-2"
SERVER_HTTP, SERVER_DICOM = 8042, 4242
OUTPUT = REPO_ROOT / "tests" / "output" / "drill"
BACKUPS = OUTPUT / "backups"
COUNT_KEYS = ["CountPatients", "CountStudies", "CountSeries", "CountInstances"]
# A registration made over REST only: it lives in the index, so only a restore of the index brings it back.
EXTRA_MODALITY = {"AET": "DRILLCT", "Host": "10.9.8.7", "Port": 104, "Manufacturer": "Generic"}


def inventory(host):
    """The lab's group_vars, one server host, trixie images (forky is passed as -e for the upgrade)."""
    target = OUTPUT / f"inventory-{host}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(REPO_ROOT / "inventories" / "lab" / "group_vars", target / "group_vars")
    hosts = {
        "all": {
            "vars": {
                "ansible_connection": "community.docker.docker",
                "orthanc_adminer_enabled": False,
                "image_build_suite": "trixie",
                # The drills start from trixie's Orthanc 1.12.7 on purpose (the version the upgrade leaves).
                "orthanc_accept_vulnerable_orthanc": True,
            },
            "children": {"orthanc_servers": {"hosts": {host: None}}},
        }
    }
    (target / "hosts.yml").write_text("---\n" + yaml.safe_dump(hosts))
    return ["-i", str(target)]


def playbook(host, name, *extra, check=True):
    return run(["ansible-playbook", *inventory(host), name, *extra], check=check, timeout=3600)


def aet(host):
    return host.upper().replace("-", "_")


def refused(proc, *words):
    """The run failed, and its message says each of `words`."""
    text = " ".join(proc.stdout.split())
    assert proc.returncode != 0, proc.stdout[-3000:]
    for word in words:
        assert word in text, f"{word!r} not in:\n{proc.stdout[-3000:]}"


# Inside a host: every instance's file read back from storage and checked against the MD5 in the index.
VERIFY_FILES = r"""
import base64, json, urllib.request
password = open("/opt/orthanc/secrets/admin-password").read()
auth = "Basic " + base64.b64encode(("admin:" + password).encode()).decode()
def call(method, path):
    request = urllib.request.Request("http://127.0.0.1:8042" + path, data=b"{}" if method == "POST" else None,
                                     method=method)
    request.add_header("Authorization", auth)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
bad = [i for i in json.loads(call("GET", "/instances")[1])
       if call("POST", "/instances/%s/attachments/dicom/verify-md5" % i)[0] != 200]
print(json.dumps(bad))
"""


def files_intact(host):
    """Instances whose file is missing or differs from its indexed MD5 (empty when all are intact)."""
    return json.loads(run(["docker", "exec", "-i", host, "python3", "-"], input=VERIFY_FILES).stdout)


def start(*hosts):
    run(["scripts/lab.sh", "start", *hosts], env={"LAB_HOST_KIND": "drill"})


@pytest.fixture(scope="module")
def drill_hosts():
    shutil.rmtree(OUTPUT, ignore_errors=True)
    OUTPUT.mkdir(parents=True)
    try:
        yield
    finally:
        run(["scripts/lab.sh", "rm", ORIGIN, TARGET])


def only_backup(host):
    [backup] = sorted((BACKUPS / host).iterdir())
    return backup


def test_backup_while_storing_then_restore_onto_a_fresh_host(drill_hosts, tmp_path):
    start(ORIGIN)
    playbook(ORIGIN, "site.yml")
    remote(ORIGIN, SERVER_HTTP, ["PUT", "/modalities/drill-ct", EXTRA_MODALITY])
    first = fresh_instances(tmp_path / "first", 200)
    assert set(store(first.values(), address(ORIGIN), SERVER_DICOM, aet(ORIGIN), associations=2).values()) == {0}

    # A sender keeps storing while the backup runs.
    late = fresh_instances(tmp_path / "late", 150)
    late_statuses = {}
    sender = threading.Thread(
        target=lambda: late_statuses.update(store(late.values(), address(ORIGIN), SERVER_DICOM, aet(ORIGIN)))
    )
    sender.start()
    playbook(ORIGIN, "playbooks/backup.yml", "-e", f"orthanc_backup_fetch_dir={BACKUPS}")
    sender.join()
    assert set(late_statuses.values()) == {0}

    backup = only_backup(ORIGIN)
    manifest = json.loads((backup / "manifest.json").read_text())
    counts = {key: manifest["index"]["statistics"][key] for key in COUNT_KEYS}
    assert counts["CountInstances"] >= 200 and manifest["postgresql"]["major"] == 17
    assert manifest["orthanc"]["version"] == "1.12.7" and manifest["not_contained"]
    assert {path.name: oct(path.stat().st_mode & 0o777) for path in backup.iterdir()} == {
        name: "0o600" for name in ["manifest.json", "index.dump", "storage.tar", "config.tar", "secrets.json"]
    }
    on_host = in_host(ORIGIN, "stat", "-c", "%a", f"/var/backups/orthanc/{backup.name}").stdout.strip()
    assert on_host == "700"
    md5s = remote(ORIGIN, SERVER_HTTP, "md5s")
    modalities = remote(ORIGIN, SERVER_HTTP, "/modalities?expand")
    assert modalities["drill-ct"]["AET"] == "DRILLCT"

    # Disaster: the host is gone with its volumes.
    run(["scripts/lab.sh", "rm", ORIGIN])

    # Bad archives are refused on the controller, before the fresh host is touched.
    bad = tmp_path / "bad"
    shutil.copytree(backup, bad / "truncated")
    with open(bad / "truncated" / "storage.tar", "r+b") as handle:
        handle.truncate(1000)
    shutil.copytree(backup, bad / "foreign")
    (bad / "foreign" / "manifest.json").write_text(json.dumps({"format": "restic", "files": {}}))
    (bad / "missing").mkdir()
    for case, words in {
        "missing": ["has no manifest.json"],
        "truncated": ["storage.tar is truncated or altered"],
        "foreign": ["is a foreign archive"],
    }.items():
        refused(
            playbook(TARGET, "playbooks/restore.yml", "-e", f"orthanc_restore_from={bad / case}", check=False),
            "orthanc_restore_from",
            *words,
        )

    start(TARGET)
    playbook(TARGET, "playbooks/restore.yml", "-e", f"orthanc_restore_from={backup}")
    stats = remote(TARGET, SERVER_HTTP, "/statistics")
    assert {key: stats[key] for key in COUNT_KEYS} == counts
    restored = remote(TARGET, SERVER_HTTP, "md5s")
    assert len(restored) == counts["CountInstances"]
    assert set(first) <= set(restored)
    assert {uid: md5s[uid] for uid in restored} == restored, "restored files differ from the originals"
    assert files_intact(TARGET) == []
    assert remote(TARGET, SERVER_HTTP, "/modalities?expand")["drill-ct"] == modalities["drill-ct"]
    new = fresh_instances(tmp_path / "new", 3)
    assert set(store(new.values(), address(TARGET), SERVER_DICOM, aet(TARGET)).values()) == {0}
    again = recap(playbook(TARGET, "site.yml").stdout)[TARGET]
    assert again["changed"] == 0 and again["failed"] == 0

    # A stack holding data is not overwritten unless asked; a backup that cannot fit is not started.
    refused(
        playbook(TARGET, "playbooks/restore.yml", "-e", f"orthanc_restore_from={backup}", check=False),
        "already holds an Orthanc index",
        "orthanc_restore_overwrite=true",
    )
    refused(
        playbook(TARGET, "playbooks/backup.yml", "-e", "orthanc_backup_min_free_mb=100000000", check=False),
        "Not enough free disk",
        "orthanc_backup_dir",
    )
    assert remote(TARGET, SERVER_HTTP, "/statistics")["CountInstances"] == counts["CountInstances"] + 3


def test_upgrade_trixie_to_forky_through_site_yml(drill_hosts):
    before = remote(TARGET, SERVER_HTTP, "md5s")
    assert before, "runs after the restore drill, on its host"
    forky = ["-e", "image_build_suite=forky"]
    # A new PostgreSQL major on the old data is refused before the stack is touched, naming the way out.
    # (The lab's group_vars, copied here, consent with orthanc_upgrade_postgres: true; this run withdraws it.)
    proc = playbook(TARGET, "site.yml", *forky, "-e", "orthanc_upgrade_postgres=false", check=False)
    refused(proc, "orthanc_upgrade_postgres=true", "orthanc_index-pg18")
    assert remote(TARGET, SERVER_HTTP, "/system")["Version"] == "1.12.7"

    proc = playbook(TARGET, "site.yml", *forky, "-e", "orthanc_upgrade_postgres=true", "-e", "pacs_serial=1")
    assert "Upgraded to Orthanc 1.13.0 on index volume orthanc_index-pg18" in " ".join(proc.stdout.split())
    assert remote(TARGET, SERVER_HTTP, "/system")["Version"] == "1.13.0"
    assert remote(TARGET, SERVER_HTTP, "md5s") == before
    assert files_intact(TARGET) == []
    version = in_host(TARGET, "docker", "exec", "orthanc-postgres-1", "postgres", "--version").stdout
    assert "PostgreSQL) 18." in version
    volumes = in_host(TARGET, "docker", "volume", "ls", "-q").stdout.split()
    assert {"orthanc_index", "orthanc_index-pg18"} <= set(volumes), "the old volume is kept"
    kept = in_host(TARGET, "ls", "/var/backups/orthanc").stdout.split()
    assert any(name.endswith("-pre-upgrade") for name in kept), kept
    again = recap(playbook(TARGET, "site.yml", *forky).stdout)[TARGET]
    assert again["changed"] == 0 and again["failed"] == 0

    # A backup of the forky stack does not restore onto trixie images.
    fetch = Path(OUTPUT / "forky-backups")
    playbook(TARGET, "playbooks/backup.yml", *forky, "-e", f"orthanc_backup_fetch_dir={fetch}")
    [backup] = sorted((fetch / TARGET).iterdir())
    proc = playbook(
        TARGET,
        "playbooks/restore.yml",
        "-e",
        f"orthanc_restore_from={backup}",
        "-e",
        "orthanc_restore_overwrite=true",
        check=False,
    )
    refused(proc, "Wrong version for the target", "Orthanc 1.13.0", "PostgreSQL 18")
    assert remote(TARGET, SERVER_HTTP, "md5s") == before
