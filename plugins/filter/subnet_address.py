# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: subnet_address
short_description: The address at a given position of a subnet
version_added: 0.3.0
author:
  - pacs.orthanc contributors (!UNKNOWN)
description:
  - The address O(index) places after the network address of a subnet in CIDR notation, with Python's
    C(ipaddress) (no extra library on the controller). The role gives its containers fixed addresses on its
    DICOM network with it (V(1) is the Docker bridge's own address). Check the subnet first with
    P(pacs.orthanc.subnet_problems#filter).
positional: index
options:
  _input:
    description: The subnet, e.g. V(172.31.254.0/28).
    type: str
    required: true
  index:
    description: Position in the subnet; V(0) is the network address.
    type: int
    required: true
"""

EXAMPLES = r"""
- name: The second host address of the subnet
  ansible.builtin.debug:
    msg: "{{ '172.31.254.0/28' | pacs.orthanc.subnet_address(2) }}"  # 172.31.254.2
"""

RETURN = r"""
_value:
  description: The address, as a string.
  type: str
"""

import ipaddress  # noqa: E402


def subnet_address(value, index):
    try:
        return str(ipaddress.ip_network(value, strict=False)[int(index)])
    except (ValueError, TypeError, IndexError) as exc:
        # A plain error (Ansible reports it with the template): preflight has checked the subnet before.
        raise ValueError("subnet_address: no address %r in %r (%s)" % (index, value, exc)) from exc


class FilterModule(object):
    def filters(self):
        return {"subnet_address": subnet_address}
