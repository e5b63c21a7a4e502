"""Stand-in for orthancteam/orthanc's configuration step: writes the file Orthanc starts on.

Reproduces the documented contract (not the official code), in this order, later sources winning:
  1. /etc/orthanc/*.json, with ${VAR} and $VAR replaced by set environment variables (envsubst);
  2. /run/secrets/*.json;
  3. environment variables ORTHANC__A__B_C=value -> {"A": {"BC": value}}, values parsed as JSON when they
     can be, plus a whole JSON object in ORTHANC_JSON;
  4. secrets: a variable ending in _SECRET names a file in /run/secrets holding the value.
Plugins: <NAME>_PLUGIN_ENABLED=true|false, or any setting in the plugin's section enables it; GDCM is on by
default. Refusals: a legacy variable set (exit -2), authentication and remote access on without users (-3).
"""

import json
import os
import re
import sys
from pathlib import Path

SECRETS = Path("/run/secrets")
AVAILABLE = Path("/usr/share/orthanc/plugins-available")
ENABLED = Path("/usr/share/orthanc/plugins")
# A few of the variables the image refused since 26.7.0 (env-var-legacy.json there lists them all).
LEGACY = (
    "PG_HOST",
    "PG_PORT",
    "PG_DB",
    "PG_USER",
    "PG_PASSWORD",
    "PG_ENABLED",
    "DW_ENABLED",
    "DW_ROOT",
    "AC_AUTHENTICATION_ENABLED",
    "AC_REGISTERED_USERS",
    "DICOM_AET",
    "HTTP_PORT",
    "STORAGE_DIR",
    "NAME",
)
# Names whose spelling does not follow the underscore-before-capitals rule.
NON_STANDARD = {"POSTGRESQL": "PostgreSQL", "DICOM_WEB": "DicomWeb", "GDCM": "Gdcm"}
DEFAULTS = {
    "StorageDirectory": "/var/lib/orthanc/db",
    "RemoteAccessAllowed": True,
    "AuthenticationEnabled": True,
    "Plugins": [str(ENABLED) + "/"],
}
# section -> (variable, libraries, on by default, defaults of the section when enabled)
PLUGINS = {
    "PostgreSQL": (
        "POSTGRESQL_PLUGIN_ENABLED",
        ["libOrthancPostgreSQLIndex.so", "libOrthancPostgreSQLStorage.so"],
        False,
        {
            "EnableIndex": True,
            "EnableStorage": False,
            "Port": 5432,
            "Database": "postgres",
            "Username": "postgres",
            "Password": "postgres",
            "EnableSsl": False,
            "Lock": False,
        },
    ),
    "DicomWeb": ("DICOM_WEB_PLUGIN_ENABLED", ["libOrthancDicomWeb.so"], False, {"Enable": True}),
    "Gdcm": ("GDCM_PLUGIN_ENABLED", ["libOrthancGdcm.so"], True, {}),
    "Python": ("PYTHON_PLUGIN_ENABLED", ["libOrthancPython.so"], False, {}),
}


def fail(code, message):
    print(f"FATAL: {message}", file=sys.stderr)
    sys.exit(code)


def merge(base, extra):
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


def envsubst(text):
    return re.sub(r"\$(\{(\w+)\}|(\w+))", lambda m: os.environ.get(m.group(2) or m.group(3), m.group(0)), text)


def setting_name(word):
    return NON_STANDARD.get(word) or "".join(part.capitalize() for part in word.split("_"))


def parse(value):
    try:
        return json.loads(value)
    except ValueError:
        return value


def from_environment(config):
    for name, value in sorted(os.environ.items()):
        if not name.startswith("ORTHANC__"):
            continue
        if name.endswith("_SECRET"):
            name, value = name[: -len("_SECRET")], (SECRETS / value).read_text().rstrip("\n")
        *parents, leaf = [setting_name(word) for word in name[len("ORTHANC__") :].split("__")]
        node = config
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = parse(value)
    if "ORTHANC_JSON" in os.environ:
        merge(config, json.loads(os.environ["ORTHANC_JSON"]))


def enable_plugins(config):
    for link in ENABLED.iterdir():
        link.unlink()
    for section, (variable, libraries, default, section_defaults) in PLUGINS.items():
        wanted = os.environ.get(variable)
        enabled = wanted == "true" or (wanted != "false" and (section in config or default))
        if section == "Python" and wanted != "false" and "PythonScript" in config:
            enabled = True
        if not enabled:
            continue
        if section_defaults:
            config[section] = merge(dict(section_defaults), config.get(section, {}))
        for library in libraries:
            if not (AVAILABLE / library).exists():
                fail(1, f"{variable}: {library} is not in this image")
            (ENABLED / library).symlink_to(AVAILABLE / library)


def main(target):
    legacy = [name for name in LEGACY if name in os.environ]
    if legacy:
        fail(-2, f"legacy environment variables are no longer supported: {', '.join(legacy)}")
    config = json.loads(json.dumps(DEFAULTS))
    for path in sorted(Path("/etc/orthanc").glob("*.json")):
        merge(config, json.loads(envsubst(path.read_text())))
    for path in sorted(SECRETS.glob("*.json")) if SECRETS.is_dir() else []:
        merge(config, json.loads(path.read_text()))
    from_environment(config)
    if os.environ.get("ORTHANC_PASSWORD"):
        config.setdefault("RegisteredUsers", {})["orthanc"] = os.environ["ORTHANC_PASSWORD"]
    if config.get("AuthenticationEnabled") and config.get("RemoteAccessAllowed") and not config.get("RegisteredUsers"):
        fail(-3, "authentication and remote access are enabled but no user is defined (RegisteredUsers)")
    enable_plugins(config)
    Path(target).write_text(json.dumps(config, indent=2))
    os.chmod(target, 0o600)
    if os.environ.get("VERBOSE_STARTUP") == "true":
        print(json.dumps(config, indent=2), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
