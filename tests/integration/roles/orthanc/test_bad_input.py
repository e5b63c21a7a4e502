"""Bad input to the orthanc role is refused in preflight, naming the variable, before the host changes."""

import json
import sys

import pytest

from tests.conftest import REPO_ROOT, run

PLAYBOOK = REPO_ROOT / "tests" / "integration" / "roles" / "orthanc" / "preflight.yml"
MODALITIES_MSG = "orthanc_modalities (with orthanc_fleet_modalities): modality"
GOOD_MODALITY = {"name": "ct1", "aet": "CT1", "host": "192.0.2.10", "port": 104}
OFFICIAL_MSG = (
    "orthanc_images.orthanc (or images_refs.orthanc from role images) must name the official image by a pinned"
)


def official(ref):
    """Input for the official flavor with this Orthanc image."""
    images = {"orthanc": ref, "postgres": "postgres:17.7", "adminer": "adminer:5.4.1"}
    return {"orthanc_image_flavor": "official", "orthanc_images": images}


CASES = {
    "empty_aet": ({"orthanc_aet": ""}, "orthanc_aet must be a DICOM AE title"),
    "long_aet": ({"orthanc_aet": "A" * 17}, "orthanc_aet must be a DICOM AE title"),
    "backslash_aet": ({"orthanc_aet": "BAD\\AET"}, "orthanc_aet must be a DICOM AE title"),
    "control_char_client_aet": ({"orthanc_client_aet": "BAD\tAET"}, "orthanc_client_aet must be a DICOM AE title"),
    "same_aet_for_client": (
        {"orthanc_client_enabled": True, "orthanc_client_aet": "ORTHANC"},
        "orthanc_client_aet must differ from orthanc_aet",
    ),
    "port_clash": ({"orthanc_http_port": 4242}, "orthanc_dicom_port and orthanc_http_port"),
    "port_clash_client_adminer": (
        {"orthanc_client_enabled": True, "orthanc_adminer_enabled": True, "orthanc_adminer_port": 8043},
        "orthanc_client_http_port and orthanc_adminer_port",
    ),
    "port_out_of_range": ({"orthanc_dicom_port": 70000}, "orthanc_dicom_port must be a port from 1 to 65535"),
    "admin_password_short": ({"orthanc_admin_password": "short"}, "orthanc_admin_password must be at least 12"),
    "postgres_password_short": ({"orthanc_postgres_password": "abc"}, "orthanc_postgres_password must be at least 12"),
    "user_password_short": (
        {"orthanc_users": [{"username": "viewer", "password": "x"}]},
        "orthanc_users entries need",
    ),
    "unknown_flavor": ({"orthanc_image_flavor": "alpine"}, "orthanc_image_flavor"),
    "unknown_state": ({"orthanc_state": "running"}, "orthanc_state"),
    "extra_config_not_dict": ({"orthanc_config_extra": "DicomAet=X"}, "orthanc_config_extra must be a dict"),
    "extra_config_list": ({"orthanc_client_config_extra": ["x"]}, "orthanc_client_config_extra"),
    "duplicate_modality_names": ({"orthanc_modalities": [GOOD_MODALITY, GOOD_MODALITY]}, MODALITIES_MSG),
    "modality_bad_port": ({"orthanc_modalities": [{**GOOD_MODALITY, "port": 65535}]}, MODALITIES_MSG),
    "modality_bad_name": ({"orthanc_modalities": [{**GOOD_MODALITY, "name": "ct 1"}]}, MODALITIES_MSG),
    "modality_reserved_name": (
        {"orthanc_modalities": [{**GOOD_MODALITY, "name": "client"}]},
        "modality 'client': the name is reserved",
    ),
    # Keys and types: the role's argument spec (nested options) refuses them, naming the variable.
    "modality_unknown_key": (
        {"orthanc_modalities": [{**GOOD_MODALITY, "colour": "red"}]},
        "orthanc_modalities.colour. Supported parameters include",
    ),
    "client_modality_missing_aet": (
        {"orthanc_client_modalities": [{"name": "pacs2", "host": "h", "port": 104}]},
        "missing required arguments: aet found in orthanc_client_modalities",
    ),
    "modality_long_aet": ({"orthanc_client_modalities": [{**GOOD_MODALITY, "aet": "A" * 17}]}, "is 17 characters"),
    "modality_negative_timeout": (
        {"orthanc_modalities": [{**GOOD_MODALITY, "timeout": -1}]},
        "modality 'ct1': timeout must be 0",
    ),
    "bind_not_ip": ({"orthanc_http_bind_address": "localhost"}, "orthanc_http_bind_address must be an IPv4"),
    "relative_project_dir": ({"orthanc_project_dir": "opt/orthanc"}, "orthanc_project_dir must be an absolute"),
    "bad_project_name": ({"orthanc_project_name": "My PACS"}, "orthanc_project_name lower-case"),
    "purge_while_present": ({"orthanc_purge_data": True}, "orthanc_purge_data deletes the index"),
    "no_images": ({"orthanc_images": {}, "orthanc_image_flavor": ""}, "set orthanc_images"),
    "bad_memory_limit": ({"orthanc_memory_limit": "lots"}, "orthanc_memory_limit"),
    "bad_database_name": ({"orthanc_postgres_db": "orthanc-db"}, "orthanc_postgres_db must be lower-case SQL"),
    "forward_associations_zero": (
        {"orthanc_client_forward_associations": 0},
        "orthanc_client_forward_associations must be a whole number from 1 to 16, got 0",
    ),
    "forward_associations_many": (
        {"orthanc_client_forward_associations": 64},
        "orthanc_client_forward_associations must be a whole number from 1 to 16, got 64",
    ),
    "forward_retry_max_short": (
        {"orthanc_client_forward_retry_max": 1},
        "orthanc_client_forward_retry_max must be a whole number from 5 to 3600, got 1",
    ),
    "retention_negative": (
        {"orthanc_client_retention_days": -1},
        "orthanc_client_retention_days must be a whole number from 0 to 3650, got -1",
    ),
    "gateway_storage_zero": (
        {"orthanc_client_max_storage_mb": 0},
        "orthanc_client_max_storage_mb must be a whole number from 1 up, got 0",
    ),
    "backlog_max_age_zero": (
        {"orthanc_client_backlog_max_age": 0},
        "orthanc_client_backlog_max_age must be a whole number from 1 up, got 0",
    ),
    "retention_not_a_number": ({"orthanc_client_retention_days": "a week"}, "orthanc_client_retention_days"),
    # The official image: pinned, not older than the image fixing CVE-2026-5437..5445, no '$' in passwords.
    "official_latest": (official("orthancteam/orthanc:latest"), OFFICIAL_MSG),
    "official_untagged": (official("orthancteam/orthanc"), OFFICIAL_MSG),
    "official_vulnerable": (official("docker.io/orthancteam/orthanc:26.3.0"), OFFICIAL_MSG),
    "official_other_untagged": (official("registry.example/pacs/orthanc"), OFFICIAL_MSG),
    "official_dollar_password": (
        {**official("orthancteam/orthanc:26.8.2"), "orthanc_admin_password": "long-enough-$HOME"},
        "orthanc_admin_password must not contain '$' with the official image",
    ),
    "official_dollar_user_password": (
        {
            **official("orthancteam/orthanc:26.8.2"),
            "orthanc_users": [{"username": "viewer", "password": "${X}-long-enough"}],
        },
        "orthanc_users: passwords must not contain '$'",
    ),
}


def apply_role(tmp_path, extra):
    project = tmp_path / "project"
    variables = {"orthanc_project_dir": str(project), **extra}
    # Its own inventory: the default one (lab) carries group_vars that would mask the input under test.
    argv = ["ansible-playbook", "-i", "localhost,", str(PLAYBOOK), "-e", json.dumps(variables)]
    proc = run(argv, check=False, timeout=300)
    return proc, project


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_refused_before_the_host_changes(tmp_path, case):
    extra, message = CASES[case]
    proc, project = apply_role(tmp_path, extra)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert message in proc.stdout, proc.stdout[-3000:]
    assert not project.exists(), "the role wrote to the host before refusing its input"


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
