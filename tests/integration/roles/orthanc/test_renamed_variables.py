"""orthanc_client_* were renamed orthanc_gateway_*: an old name still takes effect, with a deprecation warning."""

from tests.integration.roles.orthanc.test_bad_input import apply_role


def test_an_old_name_still_sets_its_new_one_and_is_named_as_deprecated(tmp_path):
    proc, project = apply_role(tmp_path, {"orthanc_client_forward_associations": 0})
    out = " ".join(proc.stdout.split())
    warning = "[DEPRECATED] orthanc_client_forward_associations -> orthanc_gateway_forward_associations"
    assert warning in out, out[-3000:]
    # The old name's value reached the role: preflight refuses it under the new name.
    assert proc.returncode != 0
    assert "orthanc_gateway_forward_associations must be a whole number from 1 to 16, got 0" in out, out[-3000:]
    assert not project.exists()


def test_a_new_name_wins_over_its_old_one(tmp_path):
    proc, project = apply_role(
        tmp_path, {"orthanc_client_forward_associations": 0, "orthanc_gateway_forward_associations": 64}
    )
    out = " ".join(proc.stdout.split())
    assert proc.returncode != 0
    assert "orthanc_gateway_forward_associations must be a whole number from 1 to 16, got 64" in out, out[-3000:]
    assert not project.exists()
