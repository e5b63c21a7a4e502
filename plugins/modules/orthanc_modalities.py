#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: orthanc_modalities
short_description: Declare the whole set of Orthanc's DICOM modalities at once
version_added: 0.1.0
description:
  - Makes Orthanc's registered DICOM modalities match a list, in as few HTTP requests as possible.
  - Reads every entry with one C(GET /modalities?expand), normalises both sides, then sends one
    C(PUT) per entry that is new or differs and, with O(purge=true), one C(DELETE) per entry not listed.
    A run that changes nothing sends exactly one request; a run that changes k entries sends 1 + k.
  - Each list element takes the options of M(pacs.orthanc.orthanc_modality); an option not given takes
    Orthanc's default, because Orthanc replaces a whole entry on every write.
  - All entries are checked before any request is sent; one invalid entry stops the run with every
    problem listed.
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
    details: In check mode only the one C(GET) is sent.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The diff holds only the entries that are added, updated or removed.
options:
  modalities:
    description:
      - The modalities Orthanc must have. Names must be unique.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Orthanc's symbolic name of the modality (letters, digits, C(-) and C(_)).
        type: str
        required: true
      aet:
        description: The modality's AE title (1 to 16 characters, no backslash, no control characters).
        type: str
        required: true
      host:
        description: Host name or IP address of the modality.
        type: str
        required: true
      port:
        description: DICOM port of the modality, from 1 to 65534.
        type: int
        required: true
      manufacturer:
        description: Orthanc's manufacturer profile (case-sensitive).
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
        description: Use DICOM TLS towards this modality.
        type: bool
        default: false
      local_aet:
        description: AE title Orthanc uses as calling AET towards this modality. Unset means C(DicomAet).
        type: str
      timeout:
        description:
          - DICOM timeout in seconds for this modality; V(0) means Orthanc's C(DicomScuTimeout).
          - Not the HTTP timeout (that is the top-level O(timeout)).
        type: int
        default: 0
        aliases: [dicom_timeout]
  purge:
    description:
      - Remove every registered modality that is not in O(modalities).
      - With O(purge=true) and an empty O(modalities), every modality is removed.
    type: bool
    default: false
seealso:
  - module: pacs.orthanc.orthanc_modality
  - module: pacs.orthanc.orthanc_info
"""

EXAMPLES = r"""
- name: Exactly these modalities, nothing else
  pacs.orthanc.orthanc_modalities:
    url: http://127.0.0.1:8042
    username: admin
    password: "{{ orthanc_admin_password }}"
    config_path: /etc/orthanc/orthanc.json
    require_persistent: true
    purge: true
    modalities:
      - name: ct1
        aet: CT1
        host: 10.0.0.21
        port: 104
      - name: workstation
        aet: WS1
        host: 10.0.0.40
        port: 11112
        allow_store: false
        timeout: 20

- name: Add the modalities from the inventory, keep the others
  pacs.orthanc.orthanc_modalities:
    modalities: "{{ site_modalities }}"
  register: _modalities

- name: Show what changed
  ansible.builtin.debug:
    msg: "added {{ _modalities.added }}, updated {{ _modalities.updated }}, removed {{ _modalities.removed }}"
"""

RETURN = r"""
modalities:
  description:
    - Every registered modality after the task (in check mode, as it would be), keyed by name.
    - Values use the option names of the list elements.
  returned: always
  type: dict
  sample:
    ct1:
      aet: CT1
      host: 10.0.0.21
      port: 104
      manufacturer: Generic
      allow_echo: true
      allow_store: true
      allow_find: true
      allow_find_worklist: true
      allow_get: true
      allow_move: true
      allow_n_action: true
      allow_event_report: true
      allow_transcoding: true
      use_dicom_tls: false
      local_aet: null
      timeout: 0
added:
  description: Names of the modalities that were (or in check mode would be) registered.
  returned: always
  type: list
  elements: str
  sample: [ct1]
updated:
  description: Names of the modalities whose entry was (or would be) rewritten because it differed.
  returned: always
  type: list
  elements: str
  sample: [workstation]
removed:
  description: Names of the modalities that were (or would be) removed by O(purge).
  returned: always
  type: list
  elements: str
  sample: [old-ws]
persistent:
  description:
    - V(true) when O(config_path) shows that registrations survive a restart (C(DicomModalitiesInDatabase)
      true, and C(DatabaseServerIdentifier) set when an index plugin is enabled), V(false) when they do not,
      V(null) when O(config_path) is not given. See O(config_path).
  returned: always
  type: bool
  sample: true
requests:
  description: Number of HTTP requests the module sent (1 + the number of entries written or removed).
  returned: always
  type: int
  sample: 1
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
    desired_entry,
    differences,
    entries_problems,
    entry_argument_spec,
    modality_path,
    normalize_live,
    to_module_shape,
    unreported,
)


def argument_spec():
    entry = entry_argument_spec()
    for required in ("aet", "host", "port"):
        entry[required]["required"] = True
    entry["timeout"]["aliases"] = ["dicom_timeout"]
    entry["name"] = dict(type="str", required=True)
    spec = orthanc_argument_spec(
        modalities=dict(type="list", elements="dict", default=[], options=entry),
        purge=dict(type="bool", default=False),
    )
    spec.update(PERSISTENCE_ARGUMENT_SPEC)
    return spec


def read_all(client):
    """Every live entry, normalised, from one GET (per-entry reads only for an Orthanc without ?expand)."""
    _status, listing = client.get("/modalities?expand")
    if isinstance(listing, list):
        live = {}
        for name in listing:
            _status, entry = client.get(modality_path(name, "/configuration"))
            live[name] = entry
        listing = live
    if not isinstance(listing, dict):
        raise OrthancError("GET /modalities?expand: expected a JSON object, got %r" % (listing,))
    return dict((name, normalize_live(entry)) for name, entry in listing.items())


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    entries = module.params["modalities"]
    purge = module.params["purge"]

    problems = entries_problems(entries)
    if problems:
        module.fail_json(msg="; ".join(problems))
    persistence_info = persistence(module)
    persistent = persistence_info[0]

    client = OrthancClient.from_module(module)
    added, updated, removed = [], [], []
    try:
        before = read_all(client)
        after = dict(before)
        writes = []
        for entry in entries:
            name = entry["name"]
            desired = desired_entry(entry)
            live = before.get(name)
            skipped = unreported(desired, live)
            if skipped:
                module.warn(
                    "This Orthanc does not report %s for modality '%s': a change in these alone is not "
                    "detected." % (", ".join(skipped), name)
                )
            if live is None:
                added.append(name)
            elif differences(desired, live):
                updated.append(name)
            else:
                continue
            after[name] = desired
            writes.append(("PUT", name, desired))
        if purge:
            listed = set(entry["name"] for entry in entries)
            for name in sorted(before):
                if name not in listed:
                    removed.append(name)
                    del after[name]
                    writes.append(("DELETE", name, None))

        if not module.check_mode:
            for method, name, body in writes:
                try:
                    if method == "PUT":
                        client.put(modality_path(name), body)
                    else:
                        client.delete(modality_path(name), accept_errors=(404,))
                except OrthancError as exc:
                    done = writes.index((method, name, body))
                    raise OrthancError(
                        "modality '%s': %s (%d of %d changes were applied before this one)"
                        % (name, exc, done, len(writes)),
                        status=exc.status,
                    ) from None
    except OrthancError as exc:
        module.fail_json(msg=str(exc), status=exc.status, persistent=persistent, requests=client.requests)

    changed_names = added + updated + removed
    persistence_warning(module, persistence_info, changed_names)
    result = dict(
        changed=bool(changed_names),
        modalities=dict((name, to_module_shape(entry)) for name, entry in sorted(after.items())),
        added=added,
        updated=updated,
        removed=removed,
        persistent=persistent,
        requests=client.requests,
    )
    if module._diff:
        result["diff"] = dict(
            before=dict((n, to_module_shape(before[n])) for n in sorted(updated + removed)),
            after=dict((n, to_module_shape(after[n])) for n in sorted(added + updated)),
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
