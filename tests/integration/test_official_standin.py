"""The orthancteam/orthanc contract stand-in shows each behaviour the official image documents.

The stand-in (lab/official-standin, built by scripts/standin-image.sh) replaces the official image in the
tests of the official flavor, so it must be a contract of its own, checked here against the documentation
(orthanc-builder's docker/orthanc, the Orthanc Book), not against what the role renders. Containers run on
this machine's engine, named pacs-standin-test-*, and are removed afterwards.
"""

import json
import os
import uuid

import pytest

from tests.conftest import run

USERS = {"RegisteredUsers": {"admin": "stand-in-password"}}
PROBE = r"""
import base64, json, sys, urllib.request
request = urllib.request.Request("http://127.0.0.1:8042" + sys.argv[1])
request.add_header("Authorization", "Basic " + base64.b64encode(b"admin:stand-in-password").decode())
print(urllib.request.urlopen(request, timeout=30).read().decode())
"""


@pytest.fixture(scope="module")
def image():
    return json.loads(run(["scripts/standin-image.sh"], timeout=1800).stdout.strip().splitlines()[-1])["image"]


@pytest.fixture
def container():
    """Names for containers of one test; all of them removed afterwards."""
    names = []

    def name():
        names.append(f"pacs-standin-test-{uuid.uuid4().hex[:8]}")
        return names[-1]

    yield name
    for created in names:
        run(["docker", "rm", "-f", created], check=False)


def config_dir(tmp_path, files, owner=None, mode=0o644, name="etc-orthanc"):
    directory = tmp_path / name
    directory.mkdir()
    directory.chmod(0o755)  # mkdir follows the umask (CI's may be 077); uid 999 must list the directory
    for name, content in files.items():
        path = directory / name
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        path.chmod(mode)
        if owner is not None:
            os.chown(path, owner, owner)
    return directory


def start(image, name, *options):
    """Start a container and wait until Orthanc answers (the image's probe), or fail with its log."""
    run(["docker", "run", "-d", "--name", name, *options, image])
    # Up to 2 minutes: Orthanc with its plugins starts in seconds, but a loaded 2-core machine is slow.
    wait = "for i in $(seq 240); do python3 /probes/test-aliveness.py >/dev/null && exit 0; sleep 0.5; done; exit 1"
    waited = run(["docker", "exec", name, "sh", "-c", wait], check=False)
    assert waited.returncode == 0, run(["docker", "logs", name], check=False).stderr[-3000:]


def rest(name, path):
    return json.loads(run(["docker", "exec", "-i", name, "python3", "-", path], input=PROBE).stdout)


def exited(image, name, *options):
    """Run a container to its end; returns (exit code, its log)."""
    proc = run(["docker", "run", "--name", name, *options, image], check=False, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


def test_root_by_default_with_an_orthanc_user_999_no_curl_and_a_probe(image):
    config = json.loads(run(["docker", "image", "inspect", image]).stdout)[0]["Config"]
    assert config["User"] == "" and config.get("Healthcheck") is None
    out = run(["docker", "run", "--rm", "--entrypoint", "sh", image, "-c",
               "id -u; id -u orthanc; id -g orthanc; stat -c '%u %n' /etc/hostid /tmp /var/lib/orthanc; "
               "test -x /probes/test-aliveness.py && echo probe; command -v curl || echo no-curl"]).stdout  # fmt: skip
    assert out.split("\n") == ["0", "999", "999", "999 /etc/hostid", "999 /tmp", "999 /var/lib/orthanc", "probe",
                               "no-curl", ""]  # fmt: skip


def test_merge_of_files_environment_and_secrets_later_sources_winning(image, container, tmp_path):
    etc = config_dir(tmp_path, {"10-a.json": {"Name": "${STANDIN_NAME}", "DicomAet": "FROM_FILE", **USERS},
                                "20-b.json": {"StableAge": 5, "DicomPort": 4242}})  # fmt: skip
    secrets = config_dir(tmp_path, {"extra.json": {"StableAge": 6, "DicomAet": "FROM_SECRET_JSON"},
                                    "aet": "FROM_SECRET_FILE\n"}, name="secrets")  # fmt: skip
    name = container()
    start(image, name, "--user", "999:999", "--cap-drop", "ALL", "-v", f"{etc}:/etc/orthanc:ro",
          "-v", f"{secrets}:/run/secrets:ro", "-e", "STANDIN_NAME=substituted", "-e", "ORTHANC__STABLE_AGE=7",
          "-e", "ORTHANC__DICOM_AET_SECRET=aet", "-e", 'ORTHANC_JSON={"MaximumPatientCount": 3}',
          "-e", "ORTHANC__DICOM_WEB__ROOT=/dw/")  # fmt: skip
    system = rest(name, "/system")
    # envsubst in /etc/orthanc; a _SECRET file beats the secrets' JSON, which beats /etc/orthanc.
    assert (system["Name"], system["DicomAet"], system["MaximumPatientCount"]) == ("substituted", "FROM_SECRET_FILE", 3)
    generated = json.loads(run(["docker", "exec", name, "cat", "/tmp/orthanc.json"]).stdout)  # noqa: S108
    assert generated["StableAge"] == 7 and generated["DicomWeb"]["Root"] == "/dw/"
    # A setting in a plugin's section enables it; GDCM is on by default.
    assert {"dicom-web", "gdcm"} <= set(rest(name, "/plugins"))
    hostid = run(["docker", "exec", name, "cat", "/etc/hostid"]).stdout.strip()
    assert hostid != "not-generated" and int(hostid, 16) >= 0x10000000
    failing = run(["docker", "exec", name, "python3", "/probes/test-aliveness.py", "--http_port", "1"], check=False)
    assert failing.returncode == 1


def test_plugin_enabled_variables(image, container, tmp_path):
    name = container()
    start(image, name, "--user", "999:999", "-v", f"{config_dir(tmp_path, {'a.json': USERS})}:/etc/orthanc:ro",
          "-e", "DICOM_WEB_PLUGIN_ENABLED=true", "-e", "GDCM_PLUGIN_ENABLED=false")  # fmt: skip
    plugins = set(rest(name, "/plugins"))
    assert "dicom-web" in plugins and "gdcm" not in plugins


def test_forced_host_id_is_written_before_anything_else(image, container, tmp_path):
    name = container()
    code, log = exited(image, name, "-e", "FORCE_HOST_ID=1234abcd")
    assert code == 253, log[-2000:]  # no users: refused, after the host id was written
    run(["docker", "cp", f"{name}:/etc/hostid", str(tmp_path / "hostid")])
    assert (tmp_path / "hostid").read_text() == "1234abcd\n"


@pytest.mark.parametrize(
    ("options", "code", "words"),
    [
        (["-e", "PG_HOST=postgres"], 254, "legacy environment variables"),
        (["-e", "DW_ENABLED=true"], 254, "DW_ENABLED"),
        ([], 253, "no user is defined"),
        (["-e", "ORTHANC__AUTHENTICATION_ENABLED=true", "-e", "ORTHANC__REGISTERED_USERS={}"], 253, "no user"),
    ],
)
def test_refusals_exit_with_the_documented_codes(image, container, options, code, words):
    status, log = exited(image, container(), *options)
    assert status == code and words in log, log[-2000:]


def test_root_without_capabilities_cannot_start(image, container, tmp_path):
    # The role's problem in one test: the entrypoint's /etc/hostid write (errexit) and a 0400 file owned by
    # 999 both fail for root with every capability dropped; as 999 the same container starts.
    etc = config_dir(tmp_path, {"orthanc.json": USERS}, owner=999, mode=0o400)
    status, log = exited(image, container(), "--cap-drop", "ALL", "-v", f"{etc}:/etc/orthanc:ro")
    assert status != 0 and "/etc/hostid" in log, log[-2000:]
    status, log = exited(image, container(), "--cap-drop", "ALL", "-e", "GENERATE_HOST_ID_IF_MISSING=false",
                         "-v", f"{etc}:/etc/orthanc:ro")  # fmt: skip
    assert status != 0 and "Permission denied" in log, log[-2000:]
    start(image, container(), "--user", "999:999", "--cap-drop", "ALL", "-v", f"{etc}:/etc/orthanc:ro")
