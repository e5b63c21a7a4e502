"""The filters behind orthanc_dicom_subnet: preflight's subnet_problems and the fixed addresses' subnet_address."""

import pytest

from ansible_collections.pacs.orthanc.plugins.filter.subnet_address import subnet_address
from ansible_collections.pacs.orthanc.plugins.filter.subnet_problems import subnet_problems


def facts(**interfaces):
    """ansible_facts with these interfaces: name -> (address, netmask)."""
    out = {"interfaces": list(interfaces)}
    for name, (address, netmask) in interfaces.items():
        out[name.replace("-", "_")] = {"ipv4": {"address": address, "netmask": netmask}}
    return out


@pytest.mark.parametrize("subnet", ["172.31.254.0/28", "10.99.0.0/24", "192.168.240.0/29", "172.16.0.0/16"])
def test_usable_subnets_pass(subnet):
    assert subnet_problems(subnet, "orthanc_dicom_subnet") == []


@pytest.mark.parametrize(
    "subnet",
    [
        "172.31.254.5/28",  # host bits set
        "172.31.254.0",  # no prefix
        "172.31.254.0/30",  # too few addresses
        "10.0.0.0/8",  # wider than /16
        "8.8.8.0/24",  # not private
        "fd00:1::/64",  # IPv6
        "172.31.254.0/28\n",
        " 172.31.254.0/28",
        "",
        None,
        28,
        "orthanc",
    ],
)
def test_unusable_subnets_are_refused_naming_the_variable(subnet):
    (problem,) = subnet_problems(subnet, "orthanc_dicom_subnet")
    assert problem.startswith("orthanc_dicom_subnet must be an IPv4 network address with its prefix")


def test_a_subnet_overlapping_an_interface_is_refused():
    host = facts(eth0=("10.99.0.7", "255.255.0.0"), lo=("127.0.0.1", "255.0.0.0"))
    (problem,) = subnet_problems("10.99.3.0/24", "orthanc_dicom_subnet", host)
    assert "overlaps the network 10.99.0.0/16 of the host's interface eth0" in problem
    assert subnet_problems("10.98.3.0/24", "orthanc_dicom_subnet", host) == []


def test_the_projects_own_bridge_is_not_an_overlap_but_another_network_there_is():
    own = facts(**{"br-0123456789ab": ("172.31.254.1", "255.255.255.240")})
    assert subnet_problems("172.31.254.0/28", "orthanc_dicom_subnet", own) == []
    wider = facts(**{"br-0123456789ab": ("172.31.0.1", "255.255.0.0")})
    assert "br-0123456789ab" in subnet_problems("172.31.254.0/28", "orthanc_dicom_subnet", wider)[0]


def test_facts_without_interfaces_skip_the_overlap_check():
    assert subnet_problems("172.31.254.0/28", "orthanc_dicom_subnet", {"distribution": "Debian"}) == []
    assert subnet_problems("172.31.254.0/28", "orthanc_dicom_subnet", None) == []


def test_subnet_address():
    assert subnet_address("172.31.254.0/28", 2) == "172.31.254.2"
    assert subnet_address("172.31.254.0/28", 3) == "172.31.254.3"
    with pytest.raises(ValueError, match="no address"):
        subnet_address("172.31.254.0/30", 9)
