#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: orthanc_modality
short_description: Register, update or remove one DICOM modality in Orthanc
version_added: 0.1.0
description:
  - Manages one entry of Orthanc's DICOM modalities (C(/modalities/{name})) through its REST API.
  - Reads the live entry once, normalises both sides, and writes only when they differ.
    C(PUT /modalities/{name}) replaces the whole entry, so every option not given takes Orthanc's
    default, and a live entry that differs from those defaults is changed back.
  - Obsolete manufacturer names that Orthanc rewrites on its own (for example C(ClearCanvas) becomes
    C(Generic)) are compared after that rewriting.
  - All input is checked before any request is sent.
  - Registrations persist only when Orthanc runs with C(DicomModalitiesInDatabase) true; see O(config_path).
author:
  - pacs.orthanc contributors (!UNKNOWN)
extends_documentation_fragment:
  - pacs.orthanc.orthanc
  - pacs.orthanc.orthanc.actiongroup
  - pacs.orthanc.orthanc.persistence
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: In check mode only C(GET) requests are sent.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
options:
  name:
    description:
      - Orthanc's symbolic name of the modality (letters, digits, C(-) and C(_)).
    type: str
    required: true
  state:
    description:
      - V(present) registers or updates the modality, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  aet:
    description:
      - The modality's AE title (1 to 16 characters, no backslash, no control characters).
      - Required when O(state=present).
    type: str
  host:
    description:
      - Host name or IP address of the modality. Required when O(state=present).
      - Give an IP address when Orthanc runs with C(DicomCheckModalityHost) true.
    type: str
  port:
    description:
      - DICOM port of the modality, from 1 to 65534. Required when O(state=present).
    type: int
  manufacturer:
    description:
      - Orthanc's manufacturer profile for C-FIND quirks (case-sensitive).
    type: str
    choices: [Generic, GenericNoWildcardInDates, GenericNoUniversalWildcard, Vitrea, GE]
    default: Generic
  allow_echo:
    description: Accept C-ECHO from this modality.
    type: bool
    default: true
  allow_store:
    description: Accept C-STORE from this modality.
    type: bool
    default: true
  allow_find:
    description: Accept C-FIND from this modality.
    type: bool
    default: true
  allow_find_worklist:
    description: Accept modality worklist C-FIND from this modality.
    type: bool
    default: true
  allow_get:
    description: Accept C-GET from this modality.
    type: bool
    default: true
  allow_move:
    description: Accept C-MOVE from this modality.
    type: bool
    default: true
  allow_n_action:
    description: Accept N-ACTION (storage commitment requests) from this modality.
    type: bool
    default: true
  allow_event_report:
    description: Accept N-EVENT-REPORT (storage commitment reports) from this modality.
    type: bool
    default: true
  allow_transcoding:
    description: Allow Orthanc to transcode instances it sends to this modality.
    type: bool
    default: true
  use_dicom_tls:
    description: Use DICOM TLS towards this modality (Orthanc's DICOM TLS settings must be configured).
    type: bool
    default: false
  local_aet:
    description:
      - AE title Orthanc uses as calling AET towards this modality. Unset means Orthanc's C(DicomAet).
    type: str
  dicom_timeout:
    description:
      - DICOM timeout in seconds for associations with this modality (Orthanc's C(Timeout) of the entry).
      - V(0) means Orthanc's C(DicomScuTimeout).
      - Named C(dicom_timeout) because O(timeout) is the HTTP timeout.
    type: int
    default: 0
seealso:
  - module: pacs.orthanc.orthanc_modalities
  - module: pacs.orthanc.orthanc_echo
"""

EXAMPLES = r"""
- name: Register the CT scanner
  pacs.orthanc.orthanc_modality:
    url: http://127.0.0.1:8042
    username: admin
    password: "{{ orthanc_admin_password }}"
    name: ct1
    aet: CT1
    host: 10.0.0.21
    port: 104
    allow_store: true
    allow_move: false
    config_path: /etc/orthanc/orthanc.json
    require_persistent: true

- name: Remove a decommissioned workstation
  pacs.orthanc.orthanc_modality:
    name: old-ws
    state: absent

- name: Connection options once for every module of the collection
  module_defaults:
    group/pacs.orthanc.orthanc:
      url: https://pacs.example.org
      username: admin
      password: "{{ orthanc_admin_password }}"
  block:
    - name: Register the archive with a calling AE title of its own
      pacs.orthanc.orthanc_modality:
        name: archive
        aet: ARCHIVE
        host: archive.example.org
        port: 11112
        manufacturer: GenericNoUniversalWildcard
        local_aet: ORTHANC_ARC
        dicom_timeout: 30
"""

RETURN = r"""
name:
  description: The modality's symbolic name.
  returned: always
  type: str
  sample: ct1
modality:
  description:
    - The entry as it is after the task (in check mode, as it would be); V(null) when absent.
    - The module's option names; C(timeout) is the entry's DICOM timeout (O(dicom_timeout)).
  returned: always
  type: dict
  sample:
    aet: CT1
    host: 10.0.0.21
    port: 104
    manufacturer: Generic
    allow_echo: true
    allow_store: true
    allow_find: true
    allow_find_worklist: true
    allow_get: true
    allow_move: false
    allow_n_action: true
    allow_event_report: true
    allow_transcoding: true
    use_dicom_tls: false
    local_aet: null
    timeout: 0
differences:
  description:
    - Options whose live value differed from the requested one (all of them when the entry was new).
    - Empty with O(state=absent).
  returned: always
  type: list
  elements: str
  sample: [port, allow_move]
persistent:
  description:
    - V(true) when O(config_path) shows that registrations survive a restart (C(DicomModalitiesInDatabase)
      true, and C(DatabaseServerIdentifier) set when an index plugin is enabled), V(false) when they do not,
      V(null) when O(config_path) is not given. See O(config_path).
  returned: always
  type: bool
  sample: true
"""

# The imports follow the documentation, as in every Ansible module (hence noqa: E402).
from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.pacs.orthanc.plugins.module_utils.api import (  # noqa: E402
    OrthancClient,
    OrthancError,
    orthanc_argument_spec,
)
from ansible_collections.pacs.orthanc.plugins.module_utils.config import (  # noqa: E402
    PERSISTENCE_ARGUMENT_SPEC,
    persistence,
    persistence_warning,
)
from ansible_collections.pacs.orthanc.plugins.module_utils.modality import (  # noqa: E402
    KEY_TO_OPTION,
    desired_entry,
    differences,
    entry_argument_spec,
    modality_path,
    name_problem,
    normalize_live,
    to_module_shape,
    unreported,
    validate_entry,
)


def argument_spec():
    entry = entry_argument_spec()
    entry["dicom_timeout"] = entry.pop("timeout")
    spec = orthanc_argument_spec(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        **entry,
    )
    spec.update(PERSISTENCE_ARGUMENT_SPEC)
    return spec


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_if=[("state", "present", ("aet", "host", "port"))],
        supports_check_mode=True,
    )
    p = module.params
    name = p["name"]

    # 1. Validate everything before any request.
    if p["state"] == "present":
        entry = dict((option, p[option]) for option in KEY_TO_OPTION.values() if option != "timeout")
        entry["name"] = name
        entry["timeout"] = p["dicom_timeout"]
        problems = validate_entry(entry, timeout_option="dicom_timeout")
    else:
        entry = None
        problem = name_problem(name)
        problems = [problem] if problem else []
    if problems:
        module.fail_json(msg="; ".join(problems))
    persistence_info = persistence(module)
    persistent = persistence_info[0]

    client = OrthancClient.from_module(module)
    path = modality_path(name)
    try:
        # 2. Read the live entry once.
        status, live = client.get(path + "/configuration", accept_errors=(404,))
        before = normalize_live(live) if status != 404 else None

        # 3. Compare and act.
        if entry is not None:
            desired = desired_entry(entry)
            changed_keys = differences(desired, before)
            after = desired
            skipped = unreported(desired, before)
            if skipped:
                module.warn(
                    "This Orthanc does not report %s for modality '%s': these options cannot be compared, "
                    "so a change in them alone is not detected." % (", ".join(skipped), name)
                )
        else:
            changed_keys = []
            after = None
        changed = bool(changed_keys) if entry is not None else before is not None
        if changed and not module.check_mode:
            if after is not None:
                client.put(path, after)
            else:
                client.delete(path, accept_errors=(404,))
    except OrthancError as exc:
        module.fail_json(msg="modality '%s': %s" % (name, exc), status=exc.status, persistent=persistent)

    persistence_warning(module, persistence_info, [name] if changed else [])
    result = dict(
        changed=changed,
        name=name,
        modality=to_module_shape(after),
        differences=[KEY_TO_OPTION[key] for key in changed_keys],
        persistent=persistent,
    )
    if module._diff:
        result["diff"] = dict(before=to_module_shape(before) or {}, after=to_module_shape(after) or {})
    module.exit_json(**result)


if __name__ == "__main__":
    main()
