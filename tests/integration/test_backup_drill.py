"""Backup, restore and upgrade drills on hosts of their own (pacs-drill-1, pacs-drill-2), removed at the end.

Real lab hosts with nested Docker Engines, real PostgreSQL and Orthanc from Debian packages, real DICOM:
deploy on trixie (Orthanc 1.12.7, PostgreSQL 17), store instances with fresh UIDs, back up while a sender keeps
storing, destroy the host, restore onto a fresh one, then upgrade the restored host and a second trixie host to
forky (Orthanc 1.13.0, PostgreSQL 18) as a fleet, one host at a time (site.yml -e pacs_serial=1), and show that a
fleet run stops at the first host that fails verification. Every refusal (missing, truncated, foreign archive,
data already there, wrong version, no disk, PostgreSQL major without consent) is shown to stop before the stack is
touched. The steps depend on each other, so they are one test each for backup/restore and upgrade, in order.
The host destroyed by the restore drill comes back, empty, as the fleet's second host: it starts and converges
beside the restore so that the fleet costs no extra host start and no extra serial site.yml run.
"""

import json
import os
import shutil
import threading
from datetime import datetime, timezone
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
# The upgrade fleet, in inventory order (the order serial batches follow): the restored host first.
FLEET = (TARGET, ORIGIN)
SERVER_HTTP, SERVER_DICOM = 8042, 4242
OUTPUT = REPO_ROOT / "tests" / "output" / "drill"
BACKUPS = OUTPUT / "backups"
COUNT_KEYS = ["CountPatients", "CountStudies", "CountSeries", "CountInstances"]
# A registration made over REST only: it lives in the index, so only a restore of the index brings it back.
EXTRA_MODALITY = {"AET": "DRILLCT", "Host": "10.9.8.7", "Port": 104, "Manufacturer": "Generic"}


def inventory(hosts):
    """The lab's group_vars, one server host (or a tuple of them, in order), trixie images (forky is -e)."""
    hosts = (hosts,) if isinstance(hosts, str) else hosts
    target = OUTPUT / f"inventory-{'+'.join(hosts)}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(REPO_ROOT / "inventories" / "lab" / "group_vars", target / "group_vars")
    groups = {
        "all": {
            "vars": {
                "ansible_connection": "community.docker.docker",
                "orthanc_adminer_enabled": False,
                "image_build_suite": "trixie",
                # The drills start from trixie's Orthanc 1.12.7 on purpose (the version the upgrade leaves).
                "orthanc_accept_vulnerable_orthanc": True,
            },
            "children": {"orthanc_servers": {"hosts": dict.fromkeys(hosts)}},
        }
    }
    (target / "hosts.yml").write_text("---\n" + yaml.safe_dump(groups, sort_keys=False))
    return ["-i", str(target)]


def playbook(hosts, name, *extra, check=True):
    return run(["ansible-playbook", *inventory(hosts), name, *extra], check=check, timeout=3600)


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

    # ORIGIN comes back as a new, empty host: the upgrade drill's second fleet host (it converges below).
    start(TARGET, ORIGIN)
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
    # site.yml over the fleet: nothing to change on the restored host; the new ORIGIN converges meanwhile.
    again = recap(playbook(FLEET, "site.yml").stdout)
    assert again[TARGET]["changed"] == 0 and again[TARGET]["failed"] == 0
    assert again[ORIGIN]["failed"] == 0 and again[ORIGIN]["changed"] > 0

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


def stack_batches(stdout):
    """The hosts of each batch of site.yml's stack play, in order (one "PLAY [Run the Orthanc stacks]" per batch)."""
    sections = stdout.split("PLAY [Run the Orthanc stacks]")[1:]
    sections[-1:] = [section.split("PLAY RECAP")[0] for section in sections[-1:]]
    return [(section, [host for host in FLEET if f"[{host}]" in section]) for section in sections]


def orthanc_container(host):
    """Id, image id and start time of the host's running server container."""
    template = "{{.Id}} {{.Image}} {{.State.StartedAt}}"
    return in_host(host, "docker", "inspect", "-f", template, "orthanc-orthanc-1").stdout.split()


def backups_on(host):
    return in_host(host, "ls", "/var/backups/orthanc").stdout.split()


def utc(text):
    """A Docker time (2026-12-01T08:01:02.123456789Z) or a backup name (20261201T080102Z-...) as a datetime."""
    if "-" in text[:8]:
        return datetime.fromisoformat(text[:19]).replace(tzinfo=timezone.utc)
    return datetime.strptime(text[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)


def test_upgrade_a_fleet_trixie_to_forky_one_host_at_a_time(drill_hosts, tmp_path):
    first, second = FLEET
    before = {first: remote(first, SERVER_HTTP, "md5s")}
    assert before[first], "runs after the restore drill, on its hosts"
    # The second host (converged on trixie by the restore drill's last run) gets data of its own.
    files = fresh_instances(tmp_path / "second", 20)
    assert set(store(files.values(), address(second), SERVER_DICOM, aet(second)).values()) == {0}
    before[second] = remote(second, SERVER_HTTP, "md5s")
    assert len(before[second]) == 20
    forky = ["-e", "image_build_suite=forky"]
    # A new PostgreSQL major on the old data is refused before the stack is touched, naming the way out.
    # (The lab's group_vars, copied here, consent with orthanc_upgrade_postgres: true; this run withdraws it.)
    proc = playbook(first, "site.yml", *forky, "-e", "orthanc_upgrade_postgres=false", check=False)
    refused(proc, "orthanc_upgrade_postgres=true", "orthanc_index-pg18")
    assert remote(first, SERVER_HTTP, "/system")["Version"] == "1.12.7"

    proc = playbook(FLEET, "site.yml", *forky, "-e", "orthanc_upgrade_postgres=true", "-e", "pacs_serial=1")
    (OUTPUT / "fleet-upgrade.log").write_text(proc.stdout)
    # One host at a time: the stack play ran once per host, in inventory order, and the first host's batch
    # holds its whole upgrade, verification included, before the second host's batch starts.
    batches = stack_batches(proc.stdout)
    order = [hosts for _section, hosts in batches]
    assert order == [[first], [second]], order
    for (section, _hosts), host in zip(batches, FLEET, strict=True):
        text = " ".join(section.split())
        for task in [
            "Take a backup before the upgrade",
            "Confirm that the server's index really is PostgreSQL",
            "Confirm no instance was lost",
        ]:
            assert f"TASK [pacs.orthanc.orthanc : {task}]" in section, (host, task)
        assert "Upgraded to Orthanc 1.13.0 on index volume orthanc_index-pg18" in text, host
    # The same from the hosts' clocks: the second host's pre-upgrade backup began after the first host's new
    # Orthanc had started (and the first batch had verified it, above).
    [second_backup] = [name for name in backups_on(second) if name.endswith("-pre-upgrade")]
    first_started = orthanc_container(first)[2]
    assert utc(first_started) <= utc(second_backup), (first_started, second_backup)
    (OUTPUT / "fleet-upgrade-order.txt").write_text(
        f"{first} upgraded Orthanc started {first_started}\n{second} pre-upgrade backup {second_backup}\n"
    )
    for host in FLEET:
        assert remote(host, SERVER_HTTP, "/system")["Version"] == "1.13.0"
        assert remote(host, SERVER_HTTP, "md5s") == before[host], f"{host} lost or changed instances"
        assert files_intact(host) == []
        version = in_host(host, "docker", "exec", "orthanc-postgres-1", "postgres", "--version").stdout
        assert "PostgreSQL) 18." in version
        volumes = in_host(host, "docker", "volume", "ls", "-q").stdout.split()
        assert {"orthanc_index", "orthanc_index-pg18"} <= set(volumes), "the old volume is kept"
        assert any(name.endswith("-pre-upgrade") for name in backups_on(host))
    again = recap(playbook(FLEET, "site.yml", *forky).stdout)
    assert all(again[host]["changed"] == 0 and again[host]["failed"] == 0 for host in FLEET), again

    # A backup of the forky stack does not restore onto trixie images.
    fetch = Path(OUTPUT / "forky-backups")
    playbook(first, "playbooks/backup.yml", *forky, "-e", f"orthanc_backup_fetch_dir={fetch}")
    [backup] = sorted((fetch / first).iterdir())
    proc = playbook(
        first,
        "playbooks/restore.yml",
        "-e",
        f"orthanc_restore_from={backup}",
        "-e",
        "orthanc_restore_overwrite=true",
        check=False,
    )
    refused(proc, "Wrong version for the target", "Orthanc 1.13.0", "PostgreSQL 18")
    assert remote(first, SERVER_HTTP, "md5s") == before[first]

    # The stop. A bad build of the next release reaches both hosts: its index plugin's file is another plugin,
    # so Orthanc starts on its built-in SQLite index, empty, and answers the health probe. Only verification
    # (the live index must be PostgreSQL, the instance count must not drop) catches it.
    good = in_host(first, "docker", "inspect", "-f", "{{.Config.Image}}", "orthanc-orthanc-1").stdout.strip()
    bad_build = "pacs.local/orthanc:drill-bad-build"
    recipe = (
        f"FROM {good}\nUSER root\n"
        "RUN ln -sf libServeFolders.so /usr/share/orthanc/plugins/libOrthancPostgreSQLIndex.so\nUSER orthanc\n"
    )
    for host in FLEET:
        run(["docker", "exec", "-i", host, "docker", "build", "-q", "-t", bad_build, "-"], input=recipe)
    untouched = (orthanc_container(second), backups_on(second))
    proc = playbook(
        FLEET,
        "site.yml",
        *forky,
        "-e",
        "pacs_serial=1",
        "-e",
        json.dumps({"orthanc_images": {"orthanc": bad_build}}),
        check=False,
    )
    (OUTPUT / "fleet-stop.log").write_text(proc.stdout)
    refused(proc, f"fatal: [{first}]", "uses the sqlite index")
    assert [hosts for _section, hosts in stack_batches(proc.stdout)] == [[first]], "the fleet run went on"
    counts = recap(proc.stdout)
    assert counts[first]["failed"] == 1 and counts[second]["failed"] == 0, counts
    # The first host is left with its pre-upgrade backup to restore; the second kept its old Orthanc, untouched.
    assert len([name for name in backups_on(first) if name.endswith("-pre-upgrade")]) == 2
    assert (orthanc_container(second), backups_on(second)) == untouched
    assert remote(second, SERVER_HTTP, "/system")["Version"] == "1.13.0"
    assert remote(second, SERVER_HTTP, "md5s") == before[second]
