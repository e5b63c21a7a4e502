# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: modality_problems
short_description: Every problem of a list of DICOM modality entries
version_added: 0.2.0
author:
  - pacs.orthanc contributors (!UNKNOWN)
description:
  - The rule the modules M(pacs.orthanc.orthanc_modalities) and M(pacs.orthanc.orthanc_modality) apply to a
    modality entry (name, AE title, host, port, manufacturer, flags, timeout), for inventory data. The role
    checks its modality lists with it in preflight, before anything changes, and gets the modules' words.
  - Also reports entries that are not mappings, unknown keys, duplicate names and reserved names.
positional: variable, reserved
options:
  _input:
    description: The modality entries, as written in the inventory.
    type: list
    elements: dict
    required: true
  variable:
    description: Name of the variable the entries come from; every message starts with it.
    type: str
    required: true
  reserved:
    description: Names the caller registers itself and that entries may not use.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Refuse bad modality entries before touching the host
  ansible.builtin.assert:
    that: _problems | length == 0
    fail_msg: "{{ _problems | join('; ') }}"
  vars:
    _problems: "{{ my_modalities | pacs.orthanc.modality_problems('my_modalities') }}"
"""

RETURN = r"""
_value:
  description: One message per problem, each starting with O(variable); empty when every entry is valid.
  type: list
  elements: str
"""

from ansible_collections.pacs.orthanc.plugins.module_utils.modality import entries_problems  # noqa: E402


def modality_problems(entries, variable, reserved=()):
    return ["%s: %s" % (variable, problem) for problem in entries_problems(entries, reserved=tuple(reserved or ()))]


class FilterModule(object):
    def filters(self):
        return {"modality_problems": modality_problems}
