# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: ip_version
short_description: The IP version of an address literal, or 0 when it is not one
version_added: 0.2.0
author:
  - pacs.orthanc contributors (!UNKNOWN)
description:
  - Reads a value as an IP address with Python's C(ipaddress) (no extra library on the controller) and
    returns V(4) or V(6), or V(0) for anything else (host names, CIDR blocks, blank or padded strings,
    non-strings). The roles use it in preflight for bind addresses and for modality hosts when
    C(DicomCheckModalityHost) is on.
options:
  _input:
    description: The value to read.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Refuse a bind address that is not an IP address
  ansible.builtin.assert:
    that: my_bind_address | pacs.orthanc.ip_version > 0
"""

RETURN = r"""
_value:
  description: V(4), V(6), or V(0) when the value is not exactly an IP address.
  type: int
"""

import ipaddress  # noqa: E402


def ip_version(value):
    if not isinstance(value, str) or value != value.strip():
        return 0
    try:
        return ipaddress.ip_address(value).version
    except ValueError:
        return 0


class FilterModule(object):
    def filters(self):
        return {"ip_version": ip_version}
