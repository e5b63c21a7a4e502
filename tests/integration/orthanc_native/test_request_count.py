"""HTTP requests of orthanc_modalities counted at a proxy in front of the real Orthanc: 1 read + 1 per change."""

import pytest

from tests.integration.orthanc_native.servers import run_module


def entries(count, port=104):
    return [
        {"name": f"m{i:03d}", "aet": f"AE{i:03d}", "host": f"10.0.{i // 250}.{i % 250 + 1}", "port": port}
        for i in range(count)
    ]


@pytest.fixture
def hundred(orthanc_pg, proxy):
    conn = orthanc_pg.connection(proxy.url)
    created, _proc = run_module("orthanc_modalities", dict(conn, modalities=entries(100)))
    assert len(created["added"]) == 100
    assert len(proxy.requests) == 101
    assert proxy.requests[0] == ("GET", "/modalities?expand")
    assert {method for method, _path in proxy.requests[1:]} == {"PUT"}
    assert len(orthanc_pg.modalities()) == 100
    proxy.reset()
    return conn


def test_no_op_over_100_modalities_is_exactly_one_request(hundred, proxy):
    result, _proc = run_module("orthanc_modalities", dict(hundred, modalities=entries(100), purge=True))

    assert result["changed"] is False
    assert proxy.requests == [("GET", "/modalities?expand")]
    assert result["requests"] == 1


def test_changing_k_of_them_is_1_plus_k_requests(hundred, proxy, orthanc_pg):
    wanted = entries(100)
    for item in wanted[10:13]:
        item["port"] = 11112  # 3 updates
    wanted[20]["allow_store"] = False  # 1 update
    wanted.append({"name": "new", "aet": "NEW", "host": "10.9.9.9", "port": 104})  # 1 addition
    del wanted[50]  # 1 removal (purge)
    k = 6

    result, _proc = run_module("orthanc_modalities", dict(hundred, modalities=wanted, purge=True))

    assert len(proxy.requests) == 1 + k
    assert sorted(method for method, _path in proxy.requests) == ["DELETE", "GET"] + ["PUT"] * 5
    assert (len(result["added"]), len(result["updated"]), result["removed"]) == (1, 4, ["m050"])
    live = orthanc_pg.modalities()
    assert len(live) == 100
    assert live["m011"]["Port"] == 11112
    assert live["m020"]["AllowStore"] is False
