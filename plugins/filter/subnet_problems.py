# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: subnet_problems
short_description: Why a subnet cannot hold a compose network with fixed container addresses
version_added: 0.3.0
author:
  - pacs.orthanc contributors (!UNKNOWN)
description:
  - Reads a value as an IPv4 network in CIDR notation with Python's C(ipaddress) (no extra library on the
    controller) and returns what is wrong with it for a Docker network whose containers get fixed addresses
    (the role puts its DICOM network there, so that Orthanc's C(DicomCheckModalityHost) can compare IP
    addresses).
  - Refused are anything but a network address with its prefix (V(172.31.254.0/28), not V(172.31.254.5/28)),
    non-private ranges, prefixes longer than V(/29) (too few addresses) or shorter than V(/16), and a subnet
    that overlaps a network of one of the host's interfaces, as gathered facts list them (the bridge of this
    very subnet, with the first address, is the network itself and accepted).
positional: variable, facts
options:
  _input:
    description: The subnet, e.g. V(172.31.254.0/28).
    type: raw
    required: true
  variable:
    description: Name of the variable the subnet comes from; every message starts with it.
    type: str
    required: true
  facts:
    description: The host's C(ansible_facts); the interfaces' IPv4 networks are read from it. Empty skips that check.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Refuse a subnet the DICOM network cannot use
  ansible.builtin.assert:
    that: _problems | length == 0
    fail_msg: "{{ _problems | join('; ') }}"
  vars:
    _problems: "{{ my_subnet | pacs.orthanc.subnet_problems('my_subnet', ansible_facts | default({})) }}"
"""

RETURN = r"""
_value:
  description: One message per problem, each starting with O(variable); empty when the subnet can be used.
  type: list
  elements: str
"""

import ipaddress  # noqa: E402

MIN_PREFIX = 16
MAX_PREFIX = 29


def _interface_networks(facts):
    """(interface, address, network) for every IPv4 address the facts list."""
    out = []
    if not isinstance(facts, dict):
        return out
    for name in facts.get("interfaces") or []:
        iface = facts.get(str(name).replace("-", "_").replace(".", "_")) or {}
        if not isinstance(iface, dict):
            continue
        entries = [iface.get("ipv4"), *(iface.get("ipv4_secondaries") or [])]
        for entry in entries:
            if not isinstance(entry, dict) or "address" not in entry or "netmask" not in entry:
                continue
            try:
                address = ipaddress.ip_address(entry["address"])
                network = ipaddress.ip_network("%s/%s" % (entry["address"], entry["netmask"]), strict=False)
            except ValueError:
                continue
            out.append((name, address, network))
    return out


def subnet_problems(value, variable, facts=None):
    accepted = "an IPv4 network address with its prefix, /%d to /%d, in a private range, e.g. 172.31.254.0/28" % (
        MIN_PREFIX,
        MAX_PREFIX,
    )
    if not isinstance(value, str) or value != value.strip() or "/" not in value:
        return ["%s must be %s; got %r" % (variable, accepted, value)]
    try:
        subnet = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        return ["%s must be %s; got %r (%s)" % (variable, accepted, value, exc)]
    if subnet.version != 4 or not MIN_PREFIX <= subnet.prefixlen <= MAX_PREFIX or not subnet.is_private:
        return ["%s must be %s; got %r" % (variable, accepted, value)]
    problems = []
    for name, address, network in _interface_networks(facts or {}):
        if not network.overlaps(subnet):
            continue
        if network == subnet and address == subnet[1]:
            continue  # the bridge of this subnet: the network is already there
        problems.append(
            "%s (%s) overlaps the network %s of the host's interface %s: choose a subnet no interface, route or other "
            "Docker network of the host uses" % (variable, value, network, name)
        )
    return problems


class FilterModule(object):
    def filters(self):
        return {"subnet_problems": subnet_problems}
