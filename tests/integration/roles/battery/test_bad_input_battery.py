"""Bad input to the roles docker, images, image_build and orthanc is refused in preflight, naming the variable,
before the host changes; legitimate input passes. Every case is one host of one ansible-playbook run (the
controller itself, connection local), so ninety cases cost one run, not ninety.

A refused case must fail in exactly one task, a preflight task or the argument-spec validation, with a message
naming the variable; no task may report a change for it, and the orthanc role's project directory must not exist.
"""

import io
import json
import os
import tarfile

import pytest

from tests.conftest import REPO_ROOT, run

HERE = REPO_ROOT / "tests" / "integration" / "roles" / "battery"
PLAYBOOK = HERE / "battery.yml"
VENV_PYTHON = str(REPO_ROOT / ".venv" / "bin" / "python")

# The orthanc role's preflight reads the Orthanc image's labels (version gate, plugins): an image that carries
# only labels (imported from an empty file system) stands for a patched Orthanc with every plugin. One name per
# test process, so that parallel workers never remove each other's image.
ORTHANC_IMAGE = f"pacs-test-battery/orthanc:1.13.0-{os.getpid()}"
ORTHANC_LABELS = ["pacs.orthanc.orthanc.version=1.13.0", 'pacs.orthanc.orthanc.plugins="dicomweb gdcm python"']
IMAGES = {
    "orthanc_images": {
        "orthanc": ORTHANC_IMAGE,
        "postgres": "pacs.local/postgres:test",
        "adminer": "pacs.local/adminer:test",
    },
    "orthanc_image_flavor": "debian",
}
OUTSIDE_LIMIT = "battery-outside-limit"
GOOD_MODALITY = {"name": "ct1", "aet": "CT1", "host": "192.0.2.10", "port": 104}
MODALITIES_MSG = "orthanc_modalities (with orthanc_fleet_modalities): modality"
# The docker role's checks need OS facts; the battery passes these as the extra var ansible_facts.
DEBIAN_13 = {
    "distribution": "Debian",
    "distribution_release": "trixie",
    "distribution_version": "13.1",
    "distribution_major_version": "13",
    "os_family": "Debian",
    "architecture": "x86_64",
    "service_mgr": "systemd",
    "pkg_mgr": "apt",
}


def orthanc(variables, message, variable=None):
    return ("orthanc", variables, message, variable or next(iter(variables)))


def docker(variables, message, variable=None):
    return ("docker", variables, message, variable or next(iter(variables)))


def images(variables, message, variable=None):
    return ("images", variables, message, variable or next(iter(variables)))


def image_build(variables, message, variable=None):
    return ("image_build", variables, message, variable or next(iter(variables)))


OFFICIAL_MSG = (
    "orthanc_images.orthanc (or images_refs.orthanc from role images) must name the official image by a pinned"
)


def official(ref):
    """Input for the official flavor with this Orthanc image."""
    images = {"orthanc": ref, "postgres": "postgres:17.7", "adminer": "adminer:5.4.1"}
    return {"orthanc_image_flavor": "official", "orthanc_images": images}


INJECTED_IMAGE = "pacs.local/orthanc:test\n    privileged: true"

# case id -> (role, variables, a fragment of the refusal, the variable the message must name)
REFUSED = {
    # --- orthanc: AE titles, names, ports, addresses ---
    "empty_aet": orthanc({"orthanc_aet": ""}, "orthanc_aet must be a DICOM AE title"),
    "long_aet": orthanc({"orthanc_aet": "A" * 17}, "orthanc_aet must be a DICOM AE title"),
    "blank_aet": orthanc({"orthanc_aet": "   "}, "orthanc_aet must be a DICOM AE title"),
    "newline_terminated_aet": orthanc({"orthanc_aet": "ORTHANC\n"}, "orthanc_aet must be a DICOM AE title"),
    "backslash_aet": orthanc({"orthanc_aet": "BAD\\AET"}, "orthanc_aet must be a DICOM AE title"),
    "control_char_client_aet": orthanc({"orthanc_gateway_aet": "BAD\tAET"}, "orthanc_gateway_aet must be a DICOM"),
    "newline_terminated_client_aet": orthanc({"orthanc_gateway_aet": "GW\n"}, "orthanc_gateway_aet must be a DICOM"),
    "same_aet_for_client": orthanc(
        {"orthanc_gateway_enabled": True, "orthanc_gateway_aet": "ORTHANC"},
        "orthanc_gateway_aet must differ",
        "orthanc_gateway_aet",
    ),
    "port_clash": orthanc({"orthanc_http_port": 4242}, "orthanc_dicom_port and orthanc_http_port"),
    "port_clash_client_adminer": orthanc(
        {"orthanc_gateway_enabled": True, "orthanc_adminer_enabled": True, "orthanc_adminer_port": 8043},
        "orthanc_gateway_http_port and orthanc_adminer_port",
        "orthanc_adminer_port",
    ),
    "port_out_of_range": orthanc({"orthanc_dicom_port": 70000}, "orthanc_dicom_port must be a port from 1 to 65535"),
    "port_zero": orthanc(
        {"orthanc_gateway_enabled": True, "orthanc_gateway_http_port": 0},
        "must be a port from 1",
        "orthanc_gateway_http_port",
    ),
    "bind_not_ip": orthanc({"orthanc_http_bind_address": "localhost"}, "orthanc_http_bind_address must be an IPv4"),
    "bind_colons_only": orthanc({"orthanc_dicom_bind_address": ":::::"}, "orthanc_dicom_bind_address must be an IPv4"),
    "bind_newline": orthanc({"orthanc_http_bind_address": "127.0.0.1\n"}, "orthanc_http_bind_address must be an IPv4"),
    "bind_short_ipv4": orthanc({"orthanc_dicom_bind_address": "10.0.1"}, "orthanc_dicom_bind_address must be an IPv4"),
    # --- orthanc: project directory ---
    "relative_project_dir": orthanc({"orthanc_project_dir": "opt/orthanc"}, "orthanc_project_dir must be"),
    "project_dir_etc": orthanc({"orthanc_project_dir": "/etc/"}, "orthanc_project_dir must be"),
    "project_dir_var_lib": orthanc({"orthanc_project_dir": "/var/lib"}, "orthanc_project_dir must be"),
    "project_dir_dotdot": orthanc({"orthanc_project_dir": "/opt/orthanc/../../etc"}, "orthanc_project_dir must be"),
    "project_dir_double_slash": orthanc({"orthanc_project_dir": "/opt//orthanc"}, "orthanc_project_dir must be"),
    "project_dir_under_etc": orthanc({"orthanc_project_dir": "/etc/orthanc"}, "orthanc_project_dir must be"),
    "project_dir_docker_data": orthanc({"orthanc_project_dir": "/var/lib/docker"}, "orthanc_project_dir must be"),
    "project_dir_usr_local": orthanc({"orthanc_project_dir": "/usr/local"}, "orthanc_project_dir must be"),
    "project_dir_space": orthanc({"orthanc_project_dir": "/opt/my pacs"}, "orthanc_project_dir must be"),
    "bad_project_name": orthanc({"orthanc_project_name": "My PACS"}, "orthanc_project_name must be"),
    # --- orthanc: images (a reference is pasted into compose.yaml) ---
    "image_injection": orthanc(
        {"orthanc_images": {**IMAGES["orthanc_images"], "orthanc": INJECTED_IMAGE}}, "orthanc_images"
    ),
    "image_trailing_newline": orthanc(
        {"orthanc_images": {**IMAGES["orthanc_images"], "postgres": "pacs.local/postgres:test\n"}}, "orthanc_images"
    ),
    "image_unknown_key": orthanc(
        {"orthanc_images": {**IMAGES["orthanc_images"], "redis": "redis:7"}}, "orthanc_images"
    ),
    "no_images": orthanc({"orthanc_images": {}, "orthanc_image_flavor": ""}, "set orthanc_images"),
    "unknown_flavor": orthanc({"orthanc_image_flavor": "alpine"}, "orthanc_image_flavor"),
    # --- orthanc: security keys in *_config_extra ---
    "extra_auth_off": orthanc({"orthanc_config_extra": {"AuthenticationEnabled": False}}, "AuthenticationEnabled"),
    "extra_lua_on": orthanc({"orthanc_config_extra": {"ExecuteLuaEnabled": True}}, "ExecuteLuaEnabled"),
    "extra_rest_file_writes": orthanc(
        {"orthanc_config_extra": {"RestApiWriteToFileSystemEnabled": True}}, "RestApiWriteToFileSystemEnabled"
    ),
    "extra_always_allow_store": orthanc(
        {"orthanc_gateway_config_extra": {"DicomAlwaysAllowStore": True}}, "DicomAlwaysAllowStore"
    ),
    "extra_registered_users": orthanc({"orthanc_config_extra": {"RegisteredUsers": {"x": "y"}}}, "RegisteredUsers"),
    "extra_lua_scripts": orthanc({"orthanc_config_extra": {"LuaScripts": ["/etc/orthanc/extra.lua"]}}, "LuaScripts"),
    "extra_http_port": orthanc({"orthanc_config_extra": {"HttpPort": 9000}}, "HttpPort"),
    "extra_index_off": orthanc({"orthanc_config_extra": {"PostgreSQL": {"EnableIndex": False}}}, "PostgreSQL"),
    "extra_role_key_even_unlocked": orthanc(
        {"orthanc_config_extra": {"HttpPort": 9000}, "orthanc_config_extra_unlocked_keys": ["HttpPort"]},
        "orthanc_config_extra_unlocked_keys",
    ),
    "extra_unlocked_unknown_key": orthanc({"orthanc_config_extra_unlocked_keys": ["NoSuchKey"]}, "NoSuchKey"),
    "extra_config_not_dict": orthanc({"orthanc_config_extra": "DicomAet=X"}, "orthanc_config_extra must be a dict"),
    "extra_config_list": orthanc({"orthanc_gateway_config_extra": ["x"]}, "orthanc_gateway_config_extra"),
    # --- orthanc: credentials (a password ends up in a netrc file and a PostgreSQL connection) ---
    "admin_password_short": orthanc({"orthanc_admin_password": "short"}, "orthanc_admin_password must be at least 12"),
    "postgres_password_short": orthanc(
        {"orthanc_postgres_password": "abc"}, "orthanc_postgres_password must be at least 12"
    ),
    "admin_password_space": orthanc({"orthanc_admin_password": "correct horse battery"}, "orthanc_admin_password must"),
    "admin_password_quote": orthanc({"orthanc_admin_password": 'abc"defghijkl'}, "orthanc_admin_password must"),
    "postgres_password_quote": orthanc(
        {"orthanc_postgres_password": "abc'defghijkl"}, "orthanc_postgres_password must"
    ),
    "postgres_password_backslash": orthanc(
        {"orthanc_postgres_password": "abc\\defghijkl"}, "orthanc_postgres_password must"
    ),
    "postgres_password_newline": orthanc(
        {"orthanc_postgres_password": "abcdefghijkl\n"}, "orthanc_postgres_password must"
    ),
    "user_password_short": orthanc(
        {"orthanc_users": [{"username": "viewer", "password": "x"}]}, "orthanc_users entries need"
    ),
    "duplicate_user_names": orthanc(
        {"orthanc_users": [{"username": "viewer", "password": "a" * 12}, {"username": "viewer", "password": "b" * 12}]},
        "orthanc_users",
    ),
    "admin_user_newline": orthanc({"orthanc_admin_user": "admin\n"}, "orthanc_admin_user must be"),
    "bad_database_name": orthanc({"orthanc_postgres_db": "orthanc-db"}, "orthanc_postgres_db must be lower-case SQL"),
    # Orthanc's PostgreSQL role and the superuser must be two roles (one name would leave Orthanc a superuser).
    "postgres_superuser_is_orthanc_role": orthanc(
        {"orthanc_postgres_superuser": "orthanc"}, "other than orthanc_postgres_user", "orthanc_postgres_superuser"
    ),
    "postgres_superuser_reserved_name": orthanc(
        {"orthanc_postgres_superuser": "pg_admin"}, "not starting with pg_", "orthanc_postgres_superuser"
    ),
    "postgres_superuser_password_short": orthanc(
        {"orthanc_postgres_superuser_password": "abc"}, "orthanc_postgres_superuser_password must be at least 12"
    ),
    "uid_zero": orthanc({"orthanc_container_uid": 0}, "orthanc_container_uid must be"),
    "uid_negative": orthanc({"orthanc_container_uid": -5}, "orthanc_container_uid must be"),
    # --- orthanc: modalities ---
    "duplicate_modality_names": orthanc({"orthanc_modalities": [GOOD_MODALITY, GOOD_MODALITY]}, MODALITIES_MSG),
    "modality_bad_port": orthanc({"orthanc_modalities": [{**GOOD_MODALITY, "port": 65535}]}, MODALITIES_MSG),
    "modality_bad_name": orthanc({"orthanc_modalities": [{**GOOD_MODALITY, "name": "ct 1"}]}, MODALITIES_MSG),
    "modality_empty_host": orthanc({"orthanc_modalities": [{**GOOD_MODALITY, "host": ""}]}, MODALITIES_MSG),
    "modality_reserved_name": orthanc(
        {"orthanc_modalities": [{**GOOD_MODALITY, "name": "client"}]}, "modality 'client': the name is reserved"
    ),
    "modality_unknown_key": orthanc(
        {"orthanc_modalities": [{**GOOD_MODALITY, "colour": "red"}]}, "orthanc_modalities.colour. Supported parameters"
    ),
    "modality_unknown_manufacturer": orthanc(
        {"orthanc_modalities": [{**GOOD_MODALITY, "manufacturer": "Acme"}]}, "manufacturer"
    ),
    "client_modality_missing_aet": orthanc(
        {"orthanc_gateway_modalities": [{"name": "pacs2", "host": "h", "port": 104}]},
        "missing required arguments: aet found in orthanc_gateway_modalities",
    ),
    "modality_long_aet": orthanc(
        {"orthanc_gateway_modalities": [{**GOOD_MODALITY, "aet": "A" * 17}]}, "is 17 characters"
    ),
    "modality_negative_timeout": orthanc(
        {"orthanc_modalities": [{**GOOD_MODALITY, "timeout": -1}]}, "modality 'ct1': timeout must be 0"
    ),
    "check_host_with_host_name": orthanc(
        {
            "orthanc_dicom_check_modality_host": True,
            "orthanc_modalities": [{**GOOD_MODALITY, "host": "ct.example.org"}],
        },
        "ct.example.org",
    ),
    # Host checking is on by default: a modality by host name is refused unless it is turned off.
    "check_host_by_default_with_host_name": orthanc(
        {"orthanc_gateway_modalities": [{**GOOD_MODALITY, "host": "ct.example.org"}]},
        'orthanc_gateway_modalities ct1: host "ct.example.org"',
        "orthanc_dicom_check_modality_host",
    ),
    "check_host_gateway_server_by_name": orthanc(
        {
            "orthanc_server_enabled": False,
            "orthanc_gateway_enabled": True,
            "orthanc_gateway_server": {"aet": "ORTHANC", "host": "pacs.example.org", "port": 4242},
        },
        'orthanc_gateway_server: host "pacs.example.org"',
        "orthanc_dicom_check_modality_host",
    ),
    # --- orthanc: the DICOM network's subnet (fixed addresses) ---
    "dicom_subnet_host_bits": orthanc({"orthanc_dicom_subnet": "172.31.254.5/28"}, "orthanc_dicom_subnet must be"),
    "dicom_subnet_no_prefix": orthanc({"orthanc_dicom_subnet": "172.31.254.0"}, "orthanc_dicom_subnet must be"),
    "dicom_subnet_too_small": orthanc({"orthanc_dicom_subnet": "172.31.254.0/30"}, "orthanc_dicom_subnet must be"),
    "dicom_subnet_public": orthanc({"orthanc_dicom_subnet": "8.8.8.0/24"}, "orthanc_dicom_subnet must be"),
    "dicom_subnet_ipv6": orthanc({"orthanc_dicom_subnet": "fd00:1::/64"}, "orthanc_dicom_subnet must be"),
    "dicom_subnet_newline": orthanc({"orthanc_dicom_subnet": "172.31.254.0/28\n"}, "orthanc_dicom_subnet must be"),
    # --- orthanc: sizes, counts, timeouts, combinations ---
    "bad_memory_limit": orthanc({"orthanc_memory_limit": "lots"}, "orthanc_memory_limit"),
    "negative_memory_limit": orthanc({"orthanc_gateway_memory_limit": "-1g"}, "orthanc_gateway_memory_limit"),
    "memory_limit_newline": orthanc({"orthanc_postgres_memory_limit": "2g\n"}, "orthanc_postgres_memory_limit"),
    "log_size_with_space": orthanc({"orthanc_log_max_size": "10 m"}, "orthanc_log_max_size"),
    "log_files_zero": orthanc({"orthanc_log_max_files": 0}, "orthanc_log_max_files"),
    "index_connections_zero": orthanc({"orthanc_index_connections_count": 0}, "orthanc_index_connections_count"),
    "wait_timeout_short": orthanc({"orthanc_wait_timeout": 5}, "orthanc_wait_timeout"),
    "negative_find_limit": orthanc({"orthanc_limit_find_results": -1}, "orthanc_limit_find_results"),
    "forward_associations_zero": orthanc(
        {"orthanc_gateway_forward_associations": 0},
        "orthanc_gateway_forward_associations must be a whole number from 1 to 16, got 0",
    ),
    "forward_associations_many": orthanc(
        {"orthanc_gateway_forward_associations": 64},
        "orthanc_gateway_forward_associations must be a whole number from 1 to 16",
    ),
    "forward_retry_max_short": orthanc(
        {"orthanc_gateway_forward_retry_max": 1},
        "orthanc_gateway_forward_retry_max must be a whole number from 5 to 3600, got 1",
    ),
    "retention_negative": orthanc(
        {"orthanc_gateway_retention_days": -1},
        "orthanc_gateway_retention_days must be a whole number from 0 to 3650, got -1",
    ),
    "retention_not_a_number": orthanc({"orthanc_gateway_retention_days": "a week"}, "orthanc_gateway_retention_days"),
    # The official image: pinned, not older than the image fixing CVE-2026-5437..5445, no '$' in passwords.
    "official_latest": orthanc(official("orthancteam/orthanc:latest"), OFFICIAL_MSG, "orthanc_images"),
    "official_untagged": orthanc(official("orthancteam/orthanc"), OFFICIAL_MSG, "orthanc_images"),
    "official_vulnerable": orthanc(official("docker.io/orthancteam/orthanc:26.3.0"), OFFICIAL_MSG, "orthanc_images"),
    "official_other_untagged": orthanc(official("registry.example/pacs/orthanc"), OFFICIAL_MSG, "orthanc_images"),
    "official_dollar_password": orthanc(
        {**official("orthancteam/orthanc:26.8.2"), "orthanc_admin_password": "long-enough-$HOME"},
        "orthanc_admin_password must not contain '$' with the official image",
        "orthanc_admin_password",
    ),
    "official_dollar_user_password": orthanc(
        {
            **official("orthancteam/orthanc:26.8.2"),
            "orthanc_users": [{"username": "viewer", "password": "${X}-long-enough"}],
        },
        "orthanc_users: passwords must not contain '$'",
        "orthanc_users",
    ),
    "unknown_plugin": orthanc({"orthanc_plugins": ["dicomweb", "ohif"]}, "orthanc_plugins must be one or more of"),
    "unknown_client_plugin": orthanc(
        {"orthanc_gateway_plugins": ["lua"]}, "orthanc_gateway_plugins must be one or more of"
    ),
    "python_without_script": orthanc(
        {"orthanc_plugins": ["python"]}, "orthanc_python_script must name a Python script"
    ),
    "script_without_python": orthanc(
        {"orthanc_gateway_python_script": "/etc/hostname"}, "orthanc_gateway_python_script must name a Python script"
    ),
    "transaction_mode_on_debian": orthanc(
        {"orthanc_postgresql_transaction_mode": "ReadCommitted"},
        "orthanc_postgresql_transaction_mode (ReadCommitted) needs orthanc-postgresql 6.0",
    ),
    "script_not_a_file": orthanc(
        {"orthanc_plugins": ["python"], "orthanc_python_script": "/nonexistent/plugin.py"},
        '"/nonexistent/plugin.py", not a file',
        "orthanc_python_script",
    ),
    "gateway_storage_zero": orthanc(
        {"orthanc_gateway_max_storage_mb": 0}, "orthanc_gateway_max_storage_mb must be a whole number from 1 up, got 0"
    ),
    "backlog_max_age_zero": orthanc(
        {"orthanc_gateway_backlog_max_age": 0},
        "orthanc_gateway_backlog_max_age must be a whole number from 1 up, got 0",
    ),
    "gateway_server_blank_host": orthanc(
        {
            "orthanc_server_enabled": False,
            "orthanc_gateway_enabled": True,
            "orthanc_gateway_server": {"aet": "ORTHANC", "host": " ", "port": 4242},
        },
        "orthanc_gateway_server",
    ),
    "nothing_enabled": orthanc(
        {"orthanc_server_enabled": False, "orthanc_gateway_enabled": False}, "orthanc_server_enabled"
    ),
    "purge_while_present": orthanc({"orthanc_purge_data": True}, "orthanc_purge_data deletes the index"),
    "unknown_state": orthanc({"orthanc_state": "running"}, "orthanc_state"),
    "free_disk_negative": orthanc({"orthanc_min_free_disk_mb": -1}, "orthanc_min_free_disk_mb"),
    # More free disk asked for than any machine has (1 EB): refused after measuring, before writing anything.
    "free_disk_short": orthanc(
        {"orthanc_min_free_disk_mb": 2**40}, "Less free disk space than orthanc_min_free_disk_mb (1099511627776 MB)"
    ),
    # The battery runs with --limit excluding OUTSIDE_LIMIT, a host of group orthanc_gateways: purging
    # registrations would remove that gateway's.
    "purge_under_partial_limit": orthanc(
        {"orthanc_modalities_purge": True},
        "orthanc_modalities_purge would remove the registrations of gateways outside this run's --limit "
        "(battery-outside-limit)",
    ),
    # --- docker ---
    "docker_daemon_options_string": docker(
        {"docker_daemon_options": "live-restore=true"}, "docker_daemon_options must be"
    ),
    "docker_daemon_options_extra_list": docker(
        {"docker_daemon_options_extra": ["debug"]}, "argument 'docker_daemon_options_extra' is of type list"
    ),
    "docker_daemon_hosts": docker(
        {"docker_daemon_options_extra": {"hosts": ["tcp://0.0.0.0:2375"]}}, 'must not set "hosts"'
    ),
    "docker_repo_url_ftp": docker(
        {"docker_upstream_repo_url": "ftp://mirror.example/docker"}, "docker_upstream_repo_url must be"
    ),
    "docker_repo_url_space": docker(
        {"docker_upstream_repo_url": "https://mirror.example/a b"}, "docker_upstream_repo_url must be"
    ),
    "docker_key_url_gopher": docker(
        {"docker_upstream_gpg_key_url": "gopher://x/key"}, "docker_upstream_gpg_key_url must be"
    ),
    "docker_version_newline": docker({"docker_version": "28.0.4\nbogus"}, "docker_version must be"),
    "docker_version_space": docker({"docker_version": "28.0 4"}, "docker_version must be"),
    "docker_channel_unknown": docker({"docker_upstream_channel": "nightly"}, "docker_upstream_channel"),
    "docker_source_unknown": docker({"docker_install_source": "snap"}, "docker_install_source must be one of"),
    "docker_user_bad_name": docker({"docker_users": ["bad user"]}, "docker_users must be"),
    "docker_user_missing": docker(
        {"docker_users": ["no-such-user-pacs"]}, "docker_users names users that do not exist"
    ),
    "docker_cache_time_negative": docker({"docker_apt_cache_valid_time": -1}, "docker_apt_cache_valid_time"),
    # --- images ---
    "images_source_unknown": images({"images_source": "bogus"}, "images_source must be one of"),
    "images_pull_ref_newline": images(
        {
            "images_pull_refs": {
                "orthanc": "orthancteam/orthanc:26.8.2",
                "postgres": "postgres:17.7\n",
                "adminer": "adminer:5.4.1",
            }
        },
        "images_pull_refs",
    ),
    "images_pull_ref_injection": images(
        {
            "images_pull_refs": {
                "orthanc": "orthancteam/orthanc:26.8.2\n    privileged: true",
                "postgres": "postgres:17.7",
                "adminer": "adminer:5.4.1",
            }
        },
        "images_pull_refs",
    ),
    "images_pull_refs_missing_key": images(
        {"images_pull_refs": {"orthanc": "orthancteam/orthanc:26.8.2", "postgres": "postgres:17.7"}}, "images_pull_refs"
    ),
    "images_unpinned": images(
        {
            "images_pull_refs": {
                "orthanc": "orthancteam/orthanc",
                "postgres": "postgres:17.7",
                "adminer": "adminer:5.4.1",
            }
        },
        "images_pull_refs",
    ),
    "images_latest": images(
        {
            "images_pull_refs": {
                "orthanc": "orthancteam/orthanc:26.8.2",
                "postgres": "postgres:latest",
                "adminer": "adminer:5.4.1",
            }
        },
        "images_pull_refs",
    ),
    "images_old_orthanc": images(
        {
            "images_pull_refs": {
                "orthanc": "orthancteam/orthanc:24.1.0",
                "postgres": "postgres:17.7",
                "adminer": "adminer:5.4.1",
            }
        },
        "images_pull_refs",
    ),
    "images_archive_relative": images(
        {"images_source": "archive", "images_archives": ["stack.tar"]}, "images_archives"
    ),
    "images_archive_none": images({"images_source": "archive", "images_archives": []}, "images_archives"),
    "images_archive_refs_unknown_key": images({"images_archive_refs": {"redis": "redis:7"}}, "images_archive_refs"),
    "images_tmp_relative": images({"images_host_tmp_dir": "tmp"}, "images_host_tmp_dir"),
    "images_tmp_not_normalised": images({"images_host_tmp_dir": "/var/tmp/../../etc"}, "images_host_tmp_dir"),  # noqa: S108 - the point
    # --- image_build (controller side) ---
    "build_cache_relative": image_build({"image_build_cache_dir": "cache"}, "image_build_cache_dir"),
    "build_repository_upper": image_build({"image_build_repository": "PACS.local"}, "image_build_repository"),
    "build_mirror_ftp": image_build({"image_build_mirror": "ftp://deb.example/debian"}, "image_build_mirror"),
    "build_revision_space": image_build({"image_build_revision": "1 2"}, "image_build_revision"),
    "build_base_image_newline": image_build(
        {"image_build_base_image": "pacs.local/debian:trixie\n"}, "image_build_base_image"
    ),
    "build_extra_package_injection": image_build(
        {"image_build_extra_packages": {"orthanc": ["curl; rm -rf /"]}}, "image_build_extra_packages"
    ),
    "build_extra_packages_unknown_image": image_build(
        {"image_build_extra_packages": {"redis": ["redis"]}}, "image_build_extra_packages"
    ),
}

# case id -> (role, variables); optional check of what the role computed from them
ANY_IPV4 = "0.0.0.0"  # noqa: S104 - a legitimate value the roles must accept
ACCEPTED = {
    "bind_everywhere": ("orthanc", {"orthanc_http_bind_address": ANY_IPV4, "orthanc_dicom_bind_address": ANY_IPV4}),
    "bind_ipv6_loopback": (
        "orthanc",
        {
            "orthanc_http_bind_address": "::1",
            "orthanc_gateway_enabled": True,
            "orthanc_gateway_http_bind_address": "::1",
        },
    ),
    "bind_ipv6_any": ("orthanc", {"orthanc_dicom_bind_address": "::"}),
    "memory_2G": ("orthanc", {"orthanc_memory_limit": "2G", "orthanc_postgres_memory_limit": "512m"}),
    "memory_1_5g": ("orthanc", {"orthanc_gateway_memory_limit": "1.5g", "orthanc_gateway_enabled": True}),
    "password_symbols": (
        "orthanc",
        {
            "orthanc_admin_password": "Pa$$w0rd!#%&()*+,-./:;<=>?@[]^_{|}~",
            "orthanc_postgres_password": "pg-Passw0rd.2026_x",
        },
    ),
    "numbers_as_strings": (
        "orthanc",
        {"orthanc_gateway_forward_associations": "8", "orthanc_gateway_retention_days": "30"},
    ),
    "config_extra_unlocked": (
        "orthanc",
        {
            "orthanc_config_extra": {"DicomAlwaysAllowEcho": True, "HttpTimeout": 60},
            "orthanc_config_extra_unlocked_keys": ["DicomAlwaysAllowEcho"],
        },
    ),
    "check_host_with_addresses": (
        "orthanc",
        {
            "orthanc_dicom_check_modality_host": True,
            "orthanc_modalities": [GOOD_MODALITY, {**GOOD_MODALITY, "name": "mr1", "host": "2001:db8::5"}],
        },
    ),
    "project_dir_nested": ("orthanc", {"orthanc_project_dir": "/srv/pacs/orthanc-site-a"}),
    "check_host_with_local_gateway": ("orthanc", {"orthanc_gateway_enabled": True}),
    "check_host_off_with_host_names": (
        "orthanc",
        {
            "orthanc_dicom_check_modality_host": False,
            "orthanc_modalities": [{**GOOD_MODALITY, "host": "ct.example.org"}],
        },
    ),
    "dicom_subnet_other": ("orthanc", {"orthanc_dicom_subnet": "10.99.0.0/24"}),
    "docker_defaults": ("docker", {}),
    "docker_distro_with_extra_options": (
        "docker",
        {"docker_install_source": "distro", "docker_daemon_options_extra": {"debug": True, "userland-proxy": None}},
    ),
    "images_defaults": ("images", {}),
    "image_build_defaults": (
        "image_build",
        {"image_build_extra_packages": {"orthanc": ["orthanc-dicomweb", "dcmtk=3.7.0-1"]}},
    ),
}

URLS = {
    "bind_ipv6_loopback": {"server_url": "http://[::1]:8042", "client_url": "http://[::1]:8043"},
    "bind_everywhere": {"server_url": "http://127.0.0.1:8042", "client_url": "http://127.0.0.1:8043"},
}


def host_vars(role, variables, project_dir):
    base = {"ansible_connection": "local", "ansible_python_interpreter": VENV_PYTHON, "battery_role": role}
    if role == "orthanc":
        base.update(IMAGES, orthanc_project_dir=str(project_dir))
    return {**base, **variables}


@pytest.fixture(scope="module")
def orthanc_image():
    empty = io.BytesIO()
    with tarfile.open(fileobj=empty, mode="w"):
        pass
    changes = [arg for label in ORTHANC_LABELS for arg in ("--change", f"LABEL {label}")]
    run(["docker", "import", *changes, "-", ORTHANC_IMAGE], input=empty.getvalue())
    yield ORTHANC_IMAGE
    run(["docker", "image", "rm", ORTHANC_IMAGE], check=False)


@pytest.fixture(scope="module")
def battery(tmp_path_factory, orthanc_image):
    """One ansible-playbook run over every case; returns ({case: [(task, path, result)]}, {case: project dir})."""
    tmp = tmp_path_factory.mktemp("battery")
    hosts, dirs = {}, {}
    for case, (role, variables, _message, _variable) in REFUSED.items():
        dirs[case] = tmp / case / "orthanc"
        hosts[case] = {**host_vars(role, variables, dirs[case]), "battery_entry": "main"}
    for case, (role, variables) in ACCEPTED.items():
        dirs[case] = tmp / case / "orthanc"
        hosts[case] = {**host_vars(role, variables, dirs[case]), "battery_entry": "preflight"}
    inventory = tmp / "inventory.json"
    # A gateway outside the run's --limit (never contacted): purging registrations must be refused.
    groups = {"orthanc_gateways": {"hosts": {OUTSIDE_LIMIT: {"ansible_connection": "local"}}}}
    inventory.write_text(json.dumps({"all": {"hosts": hosts, "children": groups}}))
    proc = run(
        [
            *("ansible-playbook", "-i", str(inventory), str(PLAYBOOK), "--limit", f"all:!{OUTSIDE_LIMIT}"),
            *("-e", json.dumps({"ansible_facts": DEBIAN_13})),
        ],
        check=False,
        env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_FORKS": str(min(16, 4 * (os.cpu_count() or 1)))},
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    results = {case: [] for case in hosts}
    for play in json.loads(proc.stdout)["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                results[host].append((task["task"]["name"], task["task"].get("path", ""), result))
    return results, dirs


def messages(result):
    """The failure's own words: its msg, and each failed loop item's msg."""
    texts = [str(result.get("msg", ""))]
    texts += [str(item.get("msg", "")) for item in result.get("results", []) if item.get("failed")]
    return " ".join(" ".join(texts).split())


def test_the_battery_is_large_enough():
    roles = {role for role, *_rest in REFUSED.values()}
    assert len(REFUSED) >= 70 and roles == {"docker", "images", "image_build", "orthanc"}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bad_input_is_refused_in_preflight_naming_the_variable(battery, case):
    results, dirs = battery
    role, _variables, message, variable = REFUSED[case]
    failed = [(name, path, result) for name, path, result in results[case] if result.get("failed")]
    assert len(failed) == 1, [(name, messages(result)) for name, _path, result in failed] or "not refused"
    name, path, result = failed[0]
    in_preflight = f"/roles/{role}/tasks/preflight.yml:" in path or "Validating arguments against arg spec" in name
    assert in_preflight, f"refused by {name} ({path}), not by a preflight or validation task"
    text = messages(result)
    assert message in text, text
    assert variable in text, f"the message does not name {variable}: {text}"
    assert not [name for name, _path, result in results[case] if result.get("changed")], "a task changed the host"
    if role == "orthanc":
        assert not dirs[case].exists(), "the role wrote to the host before refusing its input"


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_legitimate_input_passes_preflight(battery, case):
    results, _dirs = battery
    failed = [(name, messages(result)) for name, _path, result in results[case] if result.get("failed")]
    assert failed == []
    checks = [name for name, _path, _result in results[case] if name.split(" : ")[-1].startswith("Check")]
    assert checks, "no preflight check ran"
    if case in URLS:
        shown = [
            r["msg"]
            for name, _path, r in results[case]
            if name == "Show where the role's modules would reach the instances"
        ]
        assert shown == [URLS[case]]
