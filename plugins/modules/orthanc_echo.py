#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: orthanc_echo
short_description: Check DICOM connectivity with a C-ECHO sent by Orthanc
version_added: 0.1.0
description:
  - Asks Orthanc to send a C-ECHO to a registered modality (C(POST /modalities/{name}/echo)) or to an
    ad-hoc AE given by O(aet), O(host) and O(port) (C(POST /tools/dicom-echo)).
  - Fails with the peer, Orthanc's own message and the elapsed time when the peer does not answer.
  - Never changes anything; runs in check mode too, because an echo has no side effect.
author:
  - pacs.orthanc contributors (!UNKNOWN)
extends_documentation_fragment:
  - pacs.orthanc.orthanc
  - pacs.orthanc.orthanc.actiongroup
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: The echo is sent in check mode as well; it changes nothing.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  name:
    description:
      - Symbolic name of a modality registered in Orthanc.
      - Mutually exclusive with O(aet), O(host) and O(port).
    type: str
  aet:
    description: AE title of an ad-hoc peer (1 to 16 characters). Requires O(host) and O(port).
    type: str
  host:
    description: Host name or IP address of an ad-hoc peer. Requires O(aet) and O(port).
    type: str
  port:
    description: DICOM port of an ad-hoc peer, from 1 to 65534. Requires O(aet) and O(host).
    type: int
  dicom_timeout:
    description:
      - Seconds Orthanc waits for the peer. The HTTP timeout is raised to at least this plus 10 seconds.
      - Unset means Orthanc's own timeout (the entry's C(Timeout), else C(DicomScuTimeout), 10 s by default).
    type: int
seealso:
  - module: pacs.orthanc.orthanc_modality
"""

EXAMPLES = r"""
- name: The CT scanner answers a C-ECHO from Orthanc
  pacs.orthanc.orthanc_echo:
    name: ct1
    dicom_timeout: 5

- name: Echo an AE that is not registered
  pacs.orthanc.orthanc_echo:
    aet: ARCHIVE
    host: archive.example.org
    port: 11112
  register: _echo

- name: Show the round trip
  ansible.builtin.debug:
    msg: "C-ECHO took {{ _echo.elapsed }} s"
"""

RETURN = r"""
elapsed:
  description: Seconds from sending the request to Orthanc's answer (the C-ECHO round trip included).
  returned: always
  type: float
  sample: 0.012
peer:
  description: The peer as given to the module (O(name), or O(aet), O(host) and O(port)); the others are null.
  returned: always
  type: dict
  sample:
    name: ct1
    aet: null
    host: null
    port: null
"""

# The imports follow the documentation, as in every Ansible module (hence noqa: E402).
import time  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.pacs.orthanc.plugins.module_utils.api import (  # noqa: E402
    OrthancClient,
    OrthancError,
    orthanc_argument_spec,
    orthanc_message,
)
from ansible_collections.pacs.orthanc.plugins.module_utils.modality import (  # noqa: E402
    aet_problem,
    host_problem,
    modality_path,
    name_problem,
    port_problem,
)


def argument_spec():
    return orthanc_argument_spec(
        name=dict(type="str"),
        aet=dict(type="str"),
        host=dict(type="str"),
        port=dict(type="int"),
        dicom_timeout=dict(type="int"),
    )


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[("name", "aet"), ("name", "host"), ("name", "port")],
        required_together=[("aet", "host", "port")],
        required_one_of=[("name", "aet")],
        supports_check_mode=True,
    )
    p = module.params
    peer = dict(name=p["name"], aet=p["aet"], host=p["host"], port=p["port"])
    if p["name"] is not None:
        problems = [name_problem(p["name"])]
        path = modality_path(p["name"], "/echo")
        label = "modality '%s'" % p["name"]
        body = {}
    else:
        problems = [aet_problem(p["aet"]), host_problem(p["host"]), port_problem(p["port"])]
        path = "/tools/dicom-echo"
        label = "AET '%s' at %s:%s" % (p["aet"], p["host"], p["port"])
        body = {"AET": p["aet"], "Host": p["host"], "Port": p["port"]}
    if p["dicom_timeout"] is not None:
        if p["dicom_timeout"] < 1:
            problems.append("dicom_timeout must be at least 1 second, got %d" % p["dicom_timeout"])
        body["Timeout"] = p["dicom_timeout"]
    problems = [problem for problem in problems if problem]
    if problems:
        module.fail_json(msg="; ".join(problems))

    client = OrthancClient.from_module(module)
    http_timeout = max(p["timeout"], (p["dicom_timeout"] or 10) + 10)
    started = time.monotonic()
    try:
        status, answer = client.post(path, body, timeout=http_timeout, accept_errors=(404, 500))
    except OrthancError as exc:
        module.fail_json(msg="C-ECHO to %s: %s" % (label, exc), elapsed=round(time.monotonic() - started, 3), peer=peer)
    elapsed = round(time.monotonic() - started, 3)
    if status == 404:
        module.fail_json(
            msg="C-ECHO to %s: no such modality is registered in Orthanc (%s)" % (label, orthanc_message(answer)),
            elapsed=elapsed,
            peer=peer,
        )
    if status == 500:
        module.fail_json(
            msg="C-ECHO to %s failed after %.3f s: the peer did not answer or refused the association - Orthanc: %s"
            % (label, elapsed, orthanc_message(answer)),
            elapsed=elapsed,
            peer=peer,
        )
    module.exit_json(changed=False, elapsed=elapsed, peer=peer)


if __name__ == "__main__":
    main()
