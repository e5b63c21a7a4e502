"""What the orthanc role's preflight reads from the host, in one remote task (it writes nothing).

Run by tasks/preflight.yml as `python3 -c <this file> <request as JSON>`; prints one JSON object:
  free         {directory: free MiB} at the nearest existing directory of each of request["disk_paths"]
  engine       "" when the Docker Engine answers, else why not (a fresh host in check mode has none yet)
  images       {reference: {Id, RepoTags, Config: {Labels, Env}}} for each of request["images"] on the host
  running      the image id of request["container"] when that container exists, else ""
  volumes      {name: PG_VERSION in it, or ""} for the volumes labelled with request["project"] (compose's label)
  marker       the content of request["marker"] (the index volume after a PostgreSQL upgrade), or ""
  stack        for request["compose"] {dir, project}: whether the project's compose file reads ("present"), whether the
               running containers are what it describes ("current": compose's config hashes equal the containers'
               labels, every container running and not unhealthy or starting), and the subnets of its DICOM network
               ("dicom_subnets", None when there is no such network). tasks/run.yml decides from it whether to bring
               the stack up: read before the project files are rendered, so a run that changes one brings it up anyway.
Target-side code: Python 3.6+ and the standard library only.
"""

import json
import os
import shutil
import subprocess
import sys


def docker(*argv):
    """(returncode, stdout, stderr) of a docker CLI command; 127 when there is no docker CLI."""
    try:
        proc = subprocess.run(
            ["docker", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False
        )
    except OSError as error:
        return 127, "", str(error)
    return proc.returncode, proc.stdout, proc.stderr.strip()


def read(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return ""


def free_mib(paths):
    free = {}
    for path in paths:
        while not os.path.isdir(path):
            path = os.path.dirname(path)
        free[path] = shutil.disk_usage(path).free // 1048576
    return free


def inspect(kind, names):
    """Inspection of each name that exists (docker <kind> inspect answers for the others with rc 1)."""
    found = {}
    for name in names:
        rc, out, _err = docker(kind, "inspect", name)
        if rc == 0:
            found[name] = json.loads(out)[0]
    return found


def stack(project_dir, project):
    rc, out, _err = docker("compose", "--project-directory", project_dir, "config", "--hash", "*")
    want = dict(line.split(" ", 1) for line in out.split("\n") if " " in line) if rc == 0 else {}
    fmt = '{{.Label "com.docker.compose.service"}}|{{.Label "com.docker.compose.config-hash"}}|{{.State}}|{{.Status}}'
    _rc, out, _err = docker("ps", "-a", "--filter", "label=com.docker.compose.project=" + project, "--format", fmt)
    have = [line.split("|") for line in out.split("\n") if line.count("|") == 3]
    current = (
        bool(want)
        and sorted(h[0] for h in have) == sorted(want)
        and all(
            h[1] == want[h[0]] and h[2] == "running" and "unhealthy" not in h[3] and "starting" not in h[3]
            for h in have
        )
    )
    # A network made before orthanc_dicom_subnet has no subnet of its own.
    net_rc, out, _err = docker(
        "network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{end}}", project + "_dicom"
    )
    return {"present": rc == 0, "current": current, "dicom_subnets": out.split() if net_rc == 0 else None}


def main():
    request = json.loads(sys.argv[1])
    answer = {
        "free": free_mib(request.get("disk_paths", [])),
        "images": {},
        "running": "",
        "volumes": {},
        "marker": "",
        "stack": {"present": False, "current": False, "dicom_subnets": None},
    }
    rc, _out, err = docker("version", "--format", "{{.Server.Version}}")
    answer["engine"] = "" if rc == 0 else (err or "docker version exited %d" % rc)
    if answer["engine"]:
        print(json.dumps(answer))
        return
    for ref, image in inspect("image", request.get("images", [])).items():
        config = image.get("Config") or {}
        answer["images"][ref] = {
            "Id": image.get("Id", ""),
            "RepoTags": image.get("RepoTags") or [],
            "Config": {"Labels": config.get("Labels") or {}, "Env": config.get("Env") or []},
        }
    if request.get("container"):
        answer["running"] = inspect("container", [request["container"]]).get(request["container"], {}).get("Image", "")
    if request.get("project"):
        label = "label=com.docker.compose.project=" + request["project"]
        rc, out, _err = docker("volume", "ls", "--quiet", "--filter", label)
        names = out.split() if rc == 0 else []
        rc, out, _err = docker("volume", "inspect", *names) if names else (1, "", "")
        for volume in json.loads(out) if rc == 0 else []:
            answer["volumes"][volume["Name"]] = read(os.path.join(volume["Mountpoint"], "PG_VERSION"))
    if request.get("marker"):
        answer["marker"] = read(request["marker"])
    if request.get("compose"):
        answer["stack"] = stack(request["compose"]["dir"], request["compose"]["project"])
    print(json.dumps(answer))


main()
