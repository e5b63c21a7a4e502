#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: orthanc_forward_info
short_description: Backlog of a store-and-forward Orthanc gateway
version_added: 0.2.0
description:
  - Reads how many instances a gateway deployed by the C(pacs.orthanc.orthanc) role holds that its server has
    not confirmed yet (pending), how old the oldest of them is, how many confirmed copies it keeps for its
    retention period, its storage use and the outcome of its last forwarding job.
  - The gateway's forwarding script labels every instance the server confirmed and the gateway keeps with
    O(label_prefix) followed by the UTC date; every other instance is pending. With no retention the
    script deletes confirmed instances, so the gateway's whole content is pending.
  - With O(max_age) the module fails when the oldest pending instance is older than that, so one task
    turns a stuck gateway into a failed play.
  - Needs Orthanc 1.12.5 or newer (labels, C(/tools/count-resources), C(OrderBy) in C(/tools/find)).
  - Never changes anything. At most seven C(GET)/C(POST) requests, whatever the size of the backlog.
author:
  - pacs.orthanc contributors (!UNKNOWN)
extends_documentation_fragment:
  - pacs.orthanc.orthanc
  - pacs.orthanc.orthanc.actiongroup
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: >-
      Sends only read requests (C(GET), and C(POST) to the read-only C(/tools/find) and
      C(/tools/count-resources)).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: N/A
    details: Never changes anything.
options:
  label_prefix:
    description:
      - Prefix of the labels that mark confirmed copies (the role's forwarding script uses V(forwarded-)).
    type: str
    default: forwarded-
  max_age:
    description:
      - Fail when the oldest pending instance was received more than this many seconds ago.
      - Unset reports the backlog without judging it.
    type: int
seealso:
  - module: pacs.orthanc.orthanc_info
"""

EXAMPLES = r"""
- name: Fail when a gateway has not forwarded something for 15 minutes
  pacs.orthanc.orthanc_forward_info:
    url: http://127.0.0.1:8043
    username: admin
    password: "{{ orthanc_admin_password }}"
    max_age: 900
  register: _backlog

- name: Show the backlog
  ansible.builtin.debug:
    msg: "{{ _backlog.pending }} pending, oldest {{ _backlog.oldest_pending.age | default(0) }} s"
"""

RETURN = r"""
pending:
  description: Instances the gateway holds that its server has not confirmed yet.
  returned: always
  type: int
  sample: 12
kept:
  description: Confirmed copies the gateway keeps for its retention period.
  returned: always
  type: int
  sample: 0
oldest_pending:
  description: The pending instance received first; V(null) when nothing is pending.
  returned: always
  type: dict
  contains:
    id:
      description: Orthanc's identifier of the instance on the gateway.
      type: str
    received:
      description: Its C(ReceptionDate) metadata (UTC, C(YYYYMMDDTHHMMSS)); V(null) when unreadable.
      type: str
      sample: 20261130T235431
    age:
      description: Seconds since it was received; V(null) when C(received) is unreadable.
      type: int
      sample: 42
storage_mb:
  description: Disk space the gateway's storage uses (C(TotalDiskSizeMB) of C(/statistics)).
  returned: always
  type: int
  sample: 3
last_store_job:
  description: The newest job sending to a modality in the gateway's job history; V(null) when there is none.
  returned: always
  type: dict
  contains:
    id:
      description: Job identifier.
      type: str
    state:
      description: C(Pending), C(Running), C(Success), C(Failure), ...
      type: str
      sample: Failure
    error:
      description: Orthanc's error description and details when the job failed, else V(null).
      type: str
      sample: 'Error in the network protocol: DicomAssociation - connecting to AET "PACS": TCP Initialization Error'
    completed:
      description: Completion time as Orthanc reports it, V(null) while it runs.
      type: str
"""

# The imports follow the documentation, as in every Ansible module (hence noqa: E402).
from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.pacs.orthanc.plugins.module_utils.api import (  # noqa: E402
    OrthancClient,
    OrthancError,
    orthanc_argument_spec,
)
from ansible_collections.pacs.orthanc.plugins.module_utils.forwarding import (  # noqa: E402
    DEFAULT_LABEL_PREFIX,
    backlog,
)


def argument_spec():
    return orthanc_argument_spec(
        label_prefix=dict(type="str", default=DEFAULT_LABEL_PREFIX),
        max_age=dict(type="int"),
    )


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    p = module.params
    if not p["label_prefix"]:
        module.fail_json(msg="label_prefix must not be empty: every label would then mark a confirmed copy")
    if p["max_age"] is not None and p["max_age"] < 1:
        module.fail_json(msg="max_age must be at least 1 second, got %d" % p["max_age"])

    client = OrthancClient.from_module(module)
    try:
        facts = backlog(client, p["label_prefix"])
    except OrthancError as exc:
        hint = ""
        if exc.status == 404:
            hint = " (the backlog needs Orthanc 1.12.5 or newer: labels, /tools/count-resources, OrderBy)"
        module.fail_json(msg=str(exc) + hint, status=exc.status)

    oldest = facts["oldest_pending"]
    if p["max_age"] is not None and oldest is not None and (oldest["age"] is None or oldest["age"] > p["max_age"]):
        job = facts["last_store_job"] or {}
        module.fail_json(
            msg="Gateway at %s: %d instances not confirmed by the server, the oldest received %s (%s s ago, more than "
            "max_age %d s); last forwarding job: %s%s"
            % (
                client.base_url,
                facts["pending"],
                oldest["received"] or "at an unknown time",
                oldest["age"] if oldest["age"] is not None else "?",
                p["max_age"],
                job.get("state") or "none",
                ": " + job["error"] if job.get("error") else "",
            ),
            **facts,
        )
    module.exit_json(changed=False, **facts)


if __name__ == "__main__":
    main()
