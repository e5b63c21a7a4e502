# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read Orthanc's configuration the way Orthanc does, to tell whether REST registrations persist.

Orthanc's REST API does not expose ``DicomModalitiesInDatabase``: the only source is the configuration
Orthanc was started with. It is a JSON file or a folder of JSON files (every ``*.json`` merged at top
level), with ``//`` and ``/* */`` comments allowed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

# doc fragment pacs.orthanc.orthanc.persistence
PERSISTENCE_ARGUMENT_SPEC = dict(
    config_path=dict(type="path"),
    require_persistent=dict(type="bool", default=False),
)


class ConfigError(Exception):
    pass


def strip_comments(text):
    """Remove // and /* */ comments outside JSON strings (Orthanc's reader accepts both)."""
    out = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c == '"':
                in_string = False
            i += 1
        elif c == '"':
            in_string = True
            out.append(c)
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ConfigError("unterminated /* comment")
            out.append(" ")
            i = end + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _load_file(path):
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8-sig")
    except (IOError, OSError) as exc:
        raise ConfigError("cannot read Orthanc configuration %s: %s" % (path, exc)) from None
    try:
        data = json.loads(strip_comments(text))
    except (ValueError, ConfigError) as exc:
        raise ConfigError("Orthanc configuration %s is not valid JSON: %s" % (path, exc)) from None
    if not isinstance(data, dict):
        raise ConfigError("Orthanc configuration %s must hold a JSON object" % path)
    return data


def load_config(path):
    """The merged configuration of a file, or of every *.json in a folder (as Orthanc merges them)."""
    if os.path.isdir(path):
        merged = {}
        origin = {}
        for entry in sorted(os.listdir(path)):
            full = os.path.join(path, entry)
            if not entry.endswith(".json") or not os.path.isfile(full):
                continue
            for key, value in _load_file(full).items():
                if key in origin:
                    raise ConfigError(
                        "Orthanc would refuse %s: top-level key %s appears in both %s and %s"
                        % (path, key, origin[key], entry)
                    )
                origin[key] = entry
                merged[key] = value
        return merged
    if not os.path.exists(path):
        raise ConfigError("Orthanc configuration %s does not exist on this host" % path)
    return _load_file(path)


# Index plugins whose stored modalities are keyed by the server identifier (table ServerProperties).
INDEX_PLUGIN_SECTIONS = ("PostgreSQL", "MySQL", "Odbc")


def _modalities_flag(config, path):
    value = config.get("DicomModalitiesInDatabase", False)
    if not isinstance(value, bool):
        raise ConfigError("DicomModalitiesInDatabase in %s must be true or false, got %r" % (path, value))
    return value


def modalities_in_database(path):
    """DicomModalitiesInDatabase from the configuration at path (Orthanc's default is false)."""
    return _modalities_flag(load_config(path), path)


def persistence_of(path):
    """(persistent, reason): whether modalities registered through REST survive a restart of Orthanc.

    Two conditions: DicomModalitiesInDatabase true, and, with an index plugin (PostgreSQL, MySQL, ODBC), a
    DatabaseServerIdentifier. Without one Orthanc derives the identifier from the host's MAC addresses, AET
    and ports, and keys the stored list by it: on a host whose interfaces come and go (Docker bridges, veth
    pairs) a restart reads another key and finds no modalities. Seen on the project's test machine with
    Orthanc 1.10.1 and the PostgreSQL plugin 4.0: 5 different identifiers over 7 starts of one server.
    """
    config = load_config(path)
    if not _modalities_flag(config, path):
        return False, (
            "DicomModalitiesInDatabase is false in %s: REST registrations live in Orthanc's memory only and "
            "vanish at the next restart" % path
        )
    plugin = None
    for section in INDEX_PLUGIN_SECTIONS:
        settings = config.get(section)
        if isinstance(settings, dict) and settings.get("EnableIndex") is True:
            plugin = section
            break
    identifier = config.get("DatabaseServerIdentifier")
    if plugin and not identifier:
        return False, (
            "DicomModalitiesInDatabase is true in %s, but the %s index stores modalities under "
            "DatabaseServerIdentifier, which is not set: Orthanc then derives it from the MAC addresses, AET "
            "and ports, and after a restart on a host whose network interfaces changed (Docker, VMs) it finds "
            "no modalities. Set DatabaseServerIdentifier to a stable value" % (path, plugin)
        )
    if plugin:
        return True, "DicomModalitiesInDatabase is true and DatabaseServerIdentifier is %r in %s" % (identifier, path)
    return True, "DicomModalitiesInDatabase is true in %s (built-in SQLite index)" % path


def persistence(module):
    """(persistent, reason) from config_path: True/False, or None when no configuration was given.

    Fails the module when the configuration cannot be read, or when require_persistent is set and the
    registrations would not persist. Call before any request.
    """
    path = module.params.get("config_path")
    persistent, reason = None, None
    if path:
        try:
            persistent, reason = persistence_of(path)
        except ConfigError as exc:
            module.fail_json(msg=str(exc))
    if module.params.get("require_persistent") and persistent is not True:
        if persistent is None:
            module.fail_json(
                msg="require_persistent is set but config_path is not: give the path of the Orthanc "
                "configuration so the module can check DicomModalitiesInDatabase"
            )
        module.fail_json(
            msg="require_persistent is set, but registrations would not persist: %s" % reason, persistent=False
        )
    return persistent, reason


def persistence_warning(module, persistence_info, changed_names):
    """Warn about writes that will not survive a restart (or whose fate is unknown)."""
    if not changed_names:
        return
    persistent, reason = persistence_info
    names = ", ".join(sorted(changed_names))
    if persistent is False:
        module.warn("Modalities changed (%s) will not survive a restart of Orthanc: %s." % (names, reason))
    elif persistent is None:
        module.warn(
            "Modalities changed (%s), but whether they persist is unknown: Orthanc's REST API does not expose "
            "DicomModalitiesInDatabase. Set config_path to the Orthanc configuration to check it." % names
        )
