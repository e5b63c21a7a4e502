"""The orthanc role's refusals that need a run of their own: secrets kept out of the output, and the role and the
module refusing a modality entry with the same words. The bad-input battery (one run, every case) is in
tests/integration/roles/battery."""

import io
import json
import os
import sys
import tarfile

import pytest

from tests.conftest import REPO_ROOT, run

PLAYBOOK = REPO_ROOT / "tests" / "integration" / "roles" / "orthanc" / "preflight.yml"
GOOD_MODALITY = {"name": "ct1", "aet": "CT1", "host": "192.0.2.10", "port": 104}


def apply_role(tmp_path, extra):
    project = tmp_path / "project"
    variables = {"orthanc_project_dir": str(project), **extra}
    # Its own inventory: the default one (lab) carries group_vars that would mask the input under test.
    argv = ["ansible-playbook", "-i", "localhost,", str(PLAYBOOK), "-e", json.dumps(variables)]
    proc = run(argv, check=False, timeout=300)
    return proc, project


def test_passwords_never_appear_in_the_output(tmp_path):
    secret = "Sup3r-Secret-Passw0rd"  # noqa: S105 - a test value that must not leak
    proc, _project = apply_role(tmp_path, {"orthanc_admin_password": secret, "orthanc_http_port": 4242})
    assert proc.returncode != 0
    assert secret not in proc.stdout + proc.stderr


# The same bad entries through the role (preflight) and through orthanc_modalities: the same words, because
# both apply module_utils.modality.entries_problems. The module refuses before any request (no Orthanc here).
URL_NOWHERE = "http://127.0.0.1:9"
PYTHON = sys.executable
SAME_RULE = {
    "long_aet": [{**GOOD_MODALITY, "aet": "A" * 17}],
    "port_out_of_range": [{**GOOD_MODALITY, "port": 65535}],
    "blank_host": [{**GOOD_MODALITY, "host": " "}],
    "negative_timeout": [{**GOOD_MODALITY, "timeout": -5}],
    "duplicate": [GOOD_MODALITY, GOOD_MODALITY],
}


@pytest.mark.parametrize("case", sorted(SAME_RULE))
def test_role_and_module_refuse_a_bad_entry_with_the_same_message(tmp_path, case):
    entries = SAME_RULE[case]
    module = run(
        ["ansible", "-i", "localhost,", "localhost", "-c", "local", "-e", f"ansible_python_interpreter={PYTHON}",
         "-m", "pacs.orthanc.orthanc_modalities", "-a", json.dumps({"modalities": entries, "url": URL_NOWHERE})],
        check=False,
        env={"ANSIBLE_LOAD_CALLBACK_PLUGINS": "1", "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"},
    )  # fmt: skip
    assert module.returncode != 0
    message = json.loads(module.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]["msg"]
    assert message.startswith("modality 'ct1'"), message
    proc, project = apply_role(tmp_path, {"orthanc_modalities": entries})
    assert proc.returncode != 0
    assert f"orthanc_modalities (with orthanc_fleet_modalities): {message}" in " ".join(proc.stdout.split())
    assert not project.exists()


# The version gate and the plugin check read the image's labels: images of a test repository that carry
# only labels (imported from an empty file system, nothing to run) stand for an old and a lean Orthanc image.
# One name per test process (pytest-xdist workers must not remove each other's image).
LABELLED = f"pacs-test-preflight/orthanc:1.12.10-gdcm-only-{os.getpid()}"


@pytest.fixture(scope="module")
def labelled_image():
    labels = ["pacs.orthanc.orthanc.version=1.12.10", "pacs.orthanc.orthanc.plugins=gdcm"]
    changes = [arg for label in labels for arg in ("--change", f"LABEL {label}")]
    run(["docker", "import", *changes, "-", LABELLED], input=_empty_tar())
    yield LABELLED
    run(["docker", "image", "rm", LABELLED], check=False)


def images(orthanc):
    """orthanc_images with that Orthanc image (read on the controller, by this Python, which has the Docker client)."""
    refs = {"orthanc": orthanc, "postgres": "pacs.local/postgres:test", "adminer": "pacs.local/adminer:test"}
    return {"orthanc_images": refs, "ansible_python_interpreter": PYTHON}


def _empty_tar():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w"):
        pass
    return buffer.getvalue()


def test_an_orthanc_older_than_1_12_11_is_refused_naming_the_cves_and_the_variable(tmp_path, labelled_image):
    proc, project = apply_role(tmp_path, images(labelled_image))
    assert proc.returncode != 0
    text = " ".join(proc.stdout.split())
    assert "runs Orthanc 1.12.10" in text and "CVE-2026-5437 to CVE-2026-5445" in text, proc.stdout[-3000:]
    assert "orthanc_accept_vulnerable_orthanc: true" in text
    assert not project.exists()


def test_accepting_the_risk_passes_the_gate_but_a_plugin_the_image_lacks_is_refused(tmp_path, labelled_image):
    extra = {**images(labelled_image), "orthanc_accept_vulnerable_orthanc": True}
    proc, project = apply_role(tmp_path, {**extra, "orthanc_plugins": ["gdcm", "dicomweb"]})
    assert proc.returncode != 0
    text = " ".join(proc.stdout.split())
    assert "[WARNING] orthanc_accept_vulnerable_orthanc is true: deploying Orthanc 1.12.10" in text, proc.stdout[-3000:]
    assert f"The image {labelled_image} lacks the plugin(s) dicomweb asked for in orthanc_plugins" in text
    assert "(it has: gdcm)" in text
    assert not project.exists()
