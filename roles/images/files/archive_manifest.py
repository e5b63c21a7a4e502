"""Read the images of `docker save` archives without loading them.

Usage: archive_manifest.py ARCHIVE...
Prints {"archives": [{"path": ..., "images": [{"id": "sha256:...", "tags": [...]}]}]} on success.
On a missing, unreadable or foreign file prints one line naming the file and the reason and exits 1.
Reads manifest.json (classic and OCI-layout saves; plain or compressed tar) and never the layers.
"""

import json
import os
import sys
import tarfile


class ArchiveError(Exception):
    pass


def normalise_tag(tag):
    """docker.io/library/postgres:17 and postgres:17 name the same image."""
    for prefix in ("docker.io/library/", "docker.io/"):
        if tag.startswith(prefix):
            return tag[len(prefix) :]
    return tag


def image_id(config):
    """Config is '<hex>.json' (classic save) or 'blobs/sha256/<hex>' (OCI layout, Docker 25+)."""
    name = os.path.basename(config)
    if name.endswith(".json"):
        name = name[: -len(".json")]
    if len(name) != 64 or any(c not in "0123456789abcdef" for c in name):
        raise ArchiveError(f"manifest.json names an unexpected image config {config!r}")
    return "sha256:" + name


def read_archive(path):
    if not os.path.exists(path):
        raise ArchiveError("no such file")
    if not os.path.isfile(path):
        raise ArchiveError("not a regular file")
    if not os.access(path, os.R_OK):
        raise ArchiveError("not readable")
    try:
        with tarfile.open(path, "r:*") as tar:
            try:
                member = tar.getmember("manifest.json")
            except KeyError:
                raise ArchiveError("a tar file without manifest.json, not `docker save` output") from None
            handle = tar.extractfile(member)
            if handle is None:
                raise ArchiveError("manifest.json is not a regular file")
            manifest = json.loads(handle.read().decode("utf-8"))
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ArchiveError(f"not a readable tar archive ({exc})") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"manifest.json is not valid JSON ({exc})") from None
    if not isinstance(manifest, list) or not manifest:
        raise ArchiveError("manifest.json lists no image")
    images = []
    for entry in manifest:
        if not isinstance(entry, dict) or not isinstance(entry.get("Config"), str):
            raise ArchiveError("manifest.json has an entry without Config")
        tags = entry.get("RepoTags") or []
        images.append({"id": image_id(entry["Config"]), "tags": [normalise_tag(t) for t in tags]})
    return images


def main(paths):
    result = []
    for path in paths:
        try:
            result.append({"path": path, "images": read_archive(path)})
        except ArchiveError as exc:
            print(f"{path}: {exc}")
            return 1
    print(json.dumps({"archives": result}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
