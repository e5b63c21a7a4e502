# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: problems
short_description: The messages of the checks that failed, from a list of one entry per check
version_added: 0.2.0
author:
  - pacs.orthanc contributors (!UNKNOWN)
description:
  - The roles check their variables in one task per role, with a list holding one entry per check, the check's
    message when it fails, else empty. This filter keeps the messages, each on one line (line breaks and the
    indentation after them, left by YAML folding, become one space), and drops the empty entries.
  - An entry may also be V(None), since ansible-core 2.19 renders a template that outputs nothing (only
    C({% if %}) blocks whose condition is false) as V(None).
options:
  _input:
    description: One entry per check.
    type: list
    elements: raw
    required: true
"""

EXAMPLES = r"""
- name: Check the variables
  vars:
    _problems:
      - "{{ '' if my_port | int > 0 else 'my_port must be positive' }}"
  ansible.builtin.assert:
    that: _problems | pacs.orthanc.problems | length == 0
    fail_msg: "{{ _problems | pacs.orthanc.problems | join(' ') }}"
    quiet: true
"""

RETURN = r"""
_value:
  description: The messages of the failed checks, in order, each on one line.
  type: list
  elements: str
"""

import re  # noqa: E402

_LINE_BREAK = re.compile(r"\s*\n\s*")


def problems(entries):
    messages = (_LINE_BREAK.sub(" ", str(entry)).strip() for entry in entries if entry is not None)
    return [message for message in messages if message]


class FilterModule(object):
    def filters(self):
        return {"problems": problems}
