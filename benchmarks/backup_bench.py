"""Backup and restore time and size per 1,000 instances, on one deployed server host.

Stores --count fresh CT instances (pydicom's CT_small.dcm, new UIDs) into the host's server, then times
playbooks/backup.yml (fetching the backup to the controller) and playbooks/restore.yml of that backup onto the
same host (orthanc_restore_overwrite=true), and prints wall times, the backup's file sizes, and both scaled to
1,000 instances of the index. The host keeps its data (the restore puts back what was there).

    .venv/bin/python benchmarks/backup_bench.py --host pacs-lab-1 [-i inventories/lab] [--count 1000]

The wall times include Ansible's own overhead (about a minute of task round trips on the lab's loaded
2-core machine), so they are an upper bound; the per-step times come from the profile_tasks callback.
Figures only: nothing here passes or fails. Running it on pacs-lab-* replaces that host's index with its own
backup: use a host of your own (e.g. the drill host of tests/integration/test_backup_drill.py) when sharing the lab.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.dicom import fresh_instances, store  # noqa: E402


def address(host):
    template = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
    return subprocess.run(
        ["docker", "inspect", "-f", template, host], check=True, capture_output=True, text=True
    ).stdout.strip()


def playbook(inventory, host, name, *extra):
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_CALLBACKS_ENABLED="profile_tasks")
    start = time.monotonic()
    proc = subprocess.run(
        [str(REPO / ".venv" / "bin" / "ansible-playbook"), "-i", inventory, name, "--limit", host, *extra],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"{name} failed:\n{proc.stdout[-4000:]}")
    steps = dict(re.findall(r"^pacs\.orthanc\.orthanc : (.+?) -+ ([0-9.]+)s$", proc.stdout, re.M))
    return elapsed, steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("-i", "--inventory", default=str(REPO / "inventories" / "lab"))
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        files = fresh_instances(Path(tmp) / "dcm", args.count)
        aet = args.host.upper().replace("-", "_")
        statuses = store(files.values(), address(args.host), 4242, aet, associations=4)
        assert set(statuses.values()) == {0}, "the server refused some instances"

        fetch = Path(tmp) / "backups"
        backup_s, backup_steps = playbook(
            args.inventory, args.host, "playbooks/backup.yml", "-e", f"orthanc_backup_fetch_dir={fetch}"
        )
        [backup] = sorted((fetch / args.host).iterdir())
        manifest = json.loads((backup / "manifest.json").read_text())
        instances = manifest["index"]["statistics"]["CountInstances"]
        restore_s, restore_steps = playbook(
            args.inventory,
            args.host,
            "playbooks/restore.yml",
            "-e",
            f"orthanc_restore_from={backup}",
            "-e",
            "orthanc_restore_overwrite=true",
        )

    per = 1000 / instances
    load_after = os.getloadavg()
    # The times scale with the machine's load (Ansible's round trips above all): always say what it was.
    print("load average (1, 5, 15 min): before %.2f %.2f %.2f, after %.2f %.2f %.2f" % (*load_before, *load_after))
    sizes = {name: entry["size"] for name, entry in manifest["files"].items()}
    print(f"instances in the backup: {instances} (CT_small.dcm, {args.count} stored by this run)")
    print(f"backup:  {backup_s:7.1f} s wall, {backup_s * per:7.1f} s per 1,000 instances")
    print(f"restore: {restore_s:7.1f} s wall, {restore_s * per:7.1f} s per 1,000 instances")
    for name, size in sorted(sizes.items()):
        print(f"  {name:13s} {size / 1e6:9.2f} MB, {size * per / 1e6:9.2f} MB per 1,000 instances")
    print(f"  total         {sum(sizes.values()) / 1e6:9.2f} MB")
    for label, steps in (("backup", backup_steps), ("restore", restore_steps)):
        slowest = sorted(steps.items(), key=lambda item: -float(item[1]))[:5]
        print(f"slowest {label} steps: " + "; ".join(f"{name} {seconds} s" for name, seconds in slowest))


if __name__ == "__main__":
    main()
