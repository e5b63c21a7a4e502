# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DICOM modality entries: validation, normalisation and comparison, as plain functions.

Two shapes exist: the module's (snake_case options, e.g. ``aet``, ``allow_store``) and Orthanc's
(``AET``, ``AllowStore``). ``PUT /modalities/{name}`` replaces the whole entry and resets omitted keys to
Orthanc's defaults, so a desired entry is always complete and compared key by key with the live one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import re

from ansible_collections.pacs.orthanc.plugins.module_utils.api import quote_name

# option name -> (Orthanc key, Orthanc's default)
FIELDS = (
    ("aet", "AET", None),
    ("host", "Host", None),
    ("port", "Port", None),
    ("manufacturer", "Manufacturer", "Generic"),
    ("allow_echo", "AllowEcho", True),
    ("allow_store", "AllowStore", True),
    ("allow_find", "AllowFind", True),
    ("allow_find_worklist", "AllowFindWorklist", True),
    ("allow_get", "AllowGet", True),
    ("allow_move", "AllowMove", True),
    ("allow_n_action", "AllowNAction", True),
    ("allow_event_report", "AllowEventReport", True),
    ("allow_transcoding", "AllowTranscoding", True),
    ("use_dicom_tls", "UseDicomTls", False),
    ("local_aet", "LocalAet", ""),
    ("timeout", "Timeout", 0),
)
OPTION_TO_KEY = dict((option, key) for option, key, _default in FIELDS)
KEY_TO_OPTION = dict((key, option) for option, key, _default in FIELDS)
KEY_DEFAULTS = dict((key, default) for _option, key, default in FIELDS if default is not None)

# Accepted by Orthanc (case-sensitive). Older names are rewritten by Orthanc when it reads them.
MANUFACTURERS = ("Generic", "GenericNoWildcardInDates", "GenericNoUniversalWildcard", "Vitrea", "GE")
OBSOLETE_MANUFACTURERS = {
    "MedInria": "Generic",
    "ClearCanvas": "Generic",
    "Dcm4Chee": "Generic",
    "EFilm2": "Generic",
    "AgfaImpax": "GenericNoWildcardInDates",
    "SyngoVia": "GenericNoWildcardInDates",
}

NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
AET_MAX = 16
PORT_MIN, PORT_MAX = 1, 65534


def entry_argument_spec():
    """Options of one modality entry (orthanc_modality top level and orthanc_modalities list elements).

    The entry's DICOM timeout is ``timeout`` here; orthanc_modality exposes it as ``dicom_timeout``
    because ``timeout`` is the HTTP timeout of the connection options there.
    """
    spec = dict(
        aet=dict(type="str"),
        host=dict(type="str"),
        port=dict(type="int"),
        manufacturer=dict(type="str", default="Generic", choices=list(MANUFACTURERS)),
        local_aet=dict(type="str"),
    )
    for option, _key, default in FIELDS:
        if option.startswith("allow_") or option == "use_dicom_tls":
            spec[option] = dict(type="bool", default=default)
    spec["timeout"] = dict(type="int", default=0)
    return spec


def aet_problem(value, what="aet"):
    """Why an AE title is not acceptable, or None: 1-16 characters, no backslash, no control characters."""
    if value is None:
        return "%s is required" % what
    if not isinstance(value, str):
        return "%s must be a string, got %r" % (what, value)
    if not value.strip():
        return "%s must not be empty or blank" % what
    if len(value) > AET_MAX:
        return "%s '%s' is %d characters long; an AE title has at most %d" % (what, value, len(value), AET_MAX)
    if "\\" in value:
        return "%s '%s' contains a backslash, which DICOM forbids in an AE title" % (what, value)
    bad = [c for c in value if ord(c) < 32 or ord(c) == 127]
    if bad:
        return "%s %r contains a control character (%r), which DICOM forbids in an AE title" % (what, value, bad[0])
    return None


def name_problem(name):
    if not name or not NAME_RE.match(name):
        return "name %r is not valid: Orthanc accepts only letters, digits, '-' and '_' in modality names" % (name,)
    return None


def port_problem(port, what="port"):
    if port is None:
        return "%s is required" % what
    if isinstance(port, bool) or not isinstance(port, int) or not PORT_MIN <= port <= PORT_MAX:
        return "%s must be an integer from %d to %d, got %r" % (what, PORT_MIN, PORT_MAX, port)
    return None


def host_problem(host):
    if host is None:
        return "host is required"
    if not isinstance(host, str):
        return "host must be a string, got %r" % (host,)
    if not host.strip() or any(c.isspace() for c in host):
        return "host %r must be a host name or IP address without spaces" % (host,)
    return None


def validate_entry(entry, timeout_option="timeout"):
    """Every problem of one modality entry in the module's shape, as a list of messages (empty = valid)."""
    problems = []
    name = entry.get("name")
    if "name" in entry:
        problem = name_problem(name)
        if problem:
            problems.append(problem)
    for check in (
        aet_problem(entry.get("aet")),
        host_problem(entry.get("host")),
        port_problem(entry.get("port")),
    ):
        if check:
            problems.append(check)
    manufacturer = entry.get("manufacturer") or "Generic"
    if manufacturer not in MANUFACTURERS:
        problems.append("manufacturer %r is not accepted; use one of %s" % (manufacturer, ", ".join(MANUFACTURERS)))
    local_aet = entry.get("local_aet")
    if local_aet not in (None, ""):
        problem = aet_problem(local_aet, "local_aet")
        if problem:
            problems.append(problem)
    timeout = entry.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int)):
        problems.append("%s must be a whole number of seconds, got %r" % (timeout_option, timeout))
    elif timeout is not None and timeout < 0:
        problems.append("%s must be 0 (Orthanc's DicomScuTimeout) or more seconds, got %r" % (timeout_option, timeout))
    if name and problems:
        problems = ["modality '%s': %s" % (name, p) for p in problems]
    return problems


def _as_int(value):
    """Whole numbers written as strings (as inventories and argument specs allow) become ints."""
    if isinstance(value, str) and re.match(r"^-?[0-9]+$", value.strip()):
        return int(value)
    return value


def entries_problems(entries, reserved=()):
    """Every problem of a list of modality entries as written in an inventory (raw types), as messages.

    The one rule for modality lists: the role's preflight (filter pacs.orthanc.modality_problems) and
    orthanc_modalities call it, so a bad entry gets the same words from both.
    """
    if not isinstance(entries, list):
        return ["must be a list of modality entries, got %r" % (entries,)]
    problems = []
    seen = set()
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            problems.append("entry %d must be a mapping with name, aet, host and port, got %r" % (number, entry))
            continue
        name = entry.get("name")
        if name is None:
            problems.append("entry %d has no name" % number)
        unknown = sorted(str(key) for key in entry if key not in ("name", "dicom_timeout") and key not in OPTION_TO_KEY)
        if unknown:
            problems.append(
                "modality '%s': unknown keys %s; accepted: name, dicom_timeout, %s"
                % (name, ", ".join(unknown), ", ".join(option for option, _key, _default in FIELDS))
            )
        flags = [o for o, _k, d in FIELDS if isinstance(d, bool) and not isinstance(entry.get(o, d), bool)]
        if flags:
            problems.append("modality '%s': %s must be true or false" % (name, ", ".join(flags)))
        timeout = entry.get("timeout") if entry.get("timeout") is not None else entry.get("dicom_timeout")
        typed = dict(entry, port=_as_int(entry.get("port")), timeout=_as_int(timeout))
        problems.extend(validate_entry(typed))
        if name in reserved:
            problems.append("modality '%s': the name is reserved for the role's own registration" % name)
        if name is not None and name in seen:
            problems.append("modality '%s' is listed more than once" % name)
        seen.add(name)
    return problems


def desired_entry(entry):
    """The complete Orthanc entry that a module entry asks for (omitted options take Orthanc's defaults)."""
    result = {}
    for option, key, default in FIELDS:
        value = entry.get(option)
        if value is None:
            value = default
        result[key] = value
    if result["LocalAet"] is None:
        result["LocalAet"] = ""
    return result


def normalize_live(live):
    """A live entry as Orthanc returns it, made comparable: obsolete names rewritten, types fixed.

    Keys that this Orthanc version does not report stay absent: ``comparable_keys`` leaves them out so an
    older server does not produce a write on every run.
    """
    if isinstance(live, list):  # ["AET", "host", port] (the short form of a configuration file)
        live = dict(zip(("AET", "Host", "Port"), live[:3]))
    result = {}
    for key, value in live.items():
        if key not in KEY_TO_OPTION:
            continue  # e.g. a key a newer Orthanc adds: not managed by this collection
        if key == "Manufacturer":
            value = OBSOLETE_MANUFACTURERS.get(value, value)
        elif key in ("Port", "Timeout") and value is not None:
            with contextlib.suppress(TypeError, ValueError):
                value = int(value)
        elif key == "LocalAet" and value is None:
            value = ""
        result[key] = value
    for key in ("AET", "Host", "Port"):
        result.setdefault(key, None)
    return result


def comparable_keys(live):
    return [key for _option, key, _default in FIELDS if key in live]


def differences(desired, live):
    """Keys whose values differ between a desired entry and a normalised live one (None live = absent)."""
    if live is None:
        return [key for _option, key, _default in FIELDS]
    return [key for key in comparable_keys(live) if desired.get(key) != live.get(key)]


def to_module_shape(entry):
    """An Orthanc entry in the module's snake_case shape (LocalAet '' -> local_aet None)."""
    if entry is None:
        return None
    result = {}
    for option, key, default in FIELDS:
        value = entry.get(key, default)
        if key == "LocalAet" and not value:
            value = None
        result[option] = value
    return result


def modality_path(name, suffix=""):
    return "/modalities/%s%s" % (quote_name(name), suffix)


def unreported(desired, live):
    """Options set to a non-default value that this Orthanc does not report (so cannot be compared)."""
    if live is None:
        return []
    return [
        KEY_TO_OPTION[key]
        for _option, key, default in FIELDS
        if key not in live and default is not None and desired.get(key) != default
    ]
