"""The file side of a backup, run on the host (Python 3.9+, standard library only).

Usage: backup_files.py space PATH [DIR...]
         {"free": bytes free on the filesystem of PATH (or its nearest existing parent), "used": bytes under DIRs}
       backup_files.py pack STORAGE PROJECT_DIR DEST UUIDS
         Writes DEST/storage.tar (every file under STORAGE, Orthanc's storage area) and DEST/config.tar
         (PROJECT_DIR without secrets/), checks that every attachment UUID listed in the file UUIDS (one a line,
         read from the same snapshot as the index dump) has its file in storage.tar, and prints
         {"files": {name: {"size", "sha256"}}, "storage_files": n, "missing": [uuid, ...]}.
       backup_files.py sums DIR NAME...
         {"files": {name: {"size", "sha256"}}} for the named files of DIR.
       backup_files.py check DIR FORMAT VERSION
         Prints the manifest of the backup in DIR once every file it lists has its size and SHA-256; otherwise
         prints one line saying what is wrong (missing, foreign, truncated or altered) and exits 1.
Storage files that vanish while they are read (deleted by Orthanc meanwhile) are skipped; if one of them was
indexed in the dump it is reported in "missing", and the backup fails.
"""

import contextlib
import hashlib
import json
import os
import sys
import tarfile


def nearest_existing(path):
    while not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return path


def used_bytes(directory):
    total = 0
    for root, _dirs, files in os.walk(directory):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def space(path, directories):
    stat = os.statvfs(nearest_existing(path))
    return {"free": stat.f_bavail * stat.f_frsize, "used": sum(used_bytes(d) for d in directories)}


def digest(path):
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return {"size": os.path.getsize(path), "sha256": sha.hexdigest()}


def add_tree(archive, directory, skip=()):
    """Add every directory (owner and mode kept: Orthanc writes new files into them after a restore) and
    every file under `directory`; return the names of the files added."""
    added = set()
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if os.path.relpath(os.path.join(root, d), directory) not in skip)
        with contextlib.suppress(FileNotFoundError):
            archive.add(root, arcname=os.path.relpath(root, directory), recursive=False)
        for name in sorted(files):
            full = os.path.join(root, name)
            arcname = os.path.relpath(full, directory)
            try:
                archive.add(full, arcname=arcname, recursive=False)
            except FileNotFoundError:
                continue
            added.add(name)
    return added


def pack(storage, project_dir, dest, uuids_file):
    os.umask(0o077)
    with tarfile.open(os.path.join(dest, "storage.tar"), "w", format=tarfile.PAX_FORMAT) as archive:
        stored = add_tree(archive, storage)
    with tarfile.open(os.path.join(dest, "config.tar"), "w", format=tarfile.PAX_FORMAT) as archive:
        add_tree(archive, project_dir, skip=("secrets",))
    with open(uuids_file) as handle:
        indexed = [line.strip() for line in handle if line.strip()]
    # Orthanc names each attachment file after its UUID (without compression: the same name on disk).
    missing = [uuid for uuid in indexed if uuid not in stored]
    return {
        "files": {name: digest(os.path.join(dest, name)) for name in ("storage.tar", "config.tar")},
        "storage_files": len(stored),
        "missing": missing,
    }


REQUIRED = ("index.dump", "storage.tar", "secrets.json")


def check(directory, kind, version):
    """The manifest of a complete, unaltered backup of this format; BackupError naming what is wrong."""
    path = os.path.join(directory, "manifest.json")
    try:
        with open(path) as handle:
            manifest = json.load(handle)
    except FileNotFoundError:
        raise BackupError(f"{directory} is not a backup: it has no manifest.json") from None
    except (OSError, ValueError) as error:
        raise BackupError(f"{path} is not a pacs.orthanc backup manifest ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != kind:
        raise BackupError(f"{path} is a foreign archive: its format is not {kind}")
    if manifest.get("format_version") != int(version):
        found = manifest.get("format_version")
        raise BackupError(f"{path} has format_version {found}, this collection reads {version}")
    files = manifest.get("files") or {}
    for name in REQUIRED:
        if name not in files:
            raise BackupError(f"{path} lists no {name}: the backup is incomplete")
    for name, expected in sorted(files.items()):
        full = os.path.join(directory, name)
        if not os.path.isfile(full):
            raise BackupError(f"{full} is missing (listed in the manifest)")
        actual = digest(full)
        if actual["size"] != expected.get("size"):
            raise BackupError(
                f"{full} is truncated or altered: {actual['size']} bytes, the manifest says {expected.get('size')}"
            )
        if actual["sha256"] != expected.get("sha256"):
            raise BackupError(f"{full} is altered: its SHA-256 differs from the manifest's")
    return manifest


class BackupError(Exception):
    pass


def main(argv):
    if len(argv) >= 2 and argv[0] == "space":
        result = space(argv[1], argv[2:])
    elif len(argv) == 5 and argv[0] == "pack":
        result = pack(*argv[1:])
    elif len(argv) == 4 and argv[0] == "check":
        try:
            result = check(*argv[1:])
        except BackupError as error:
            print(error)
            sys.exit(1)
    elif len(argv) >= 2 and argv[0] == "sums":
        result = {"files": {name: digest(os.path.join(argv[1], name)) for name in argv[2:]}}
    else:
        sys.exit(__doc__)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
