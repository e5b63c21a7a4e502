"""Role images: its interface, and bad input refused on the controller before any host is touched.

The play targets a host reached through the docker connection whose container does not exist: any task
that touched it would fail with "No such container". A bad input must fail with a message naming the
variable and leave that host untouched; the control cases show that good input does get to the host.
"""

import json
import subprocess
import tarfile

import pytest
import yaml

from tests.conftest import run

GHOST = "pacs-images-test-ghost"
TOUCHED = f"No such container: {GHOST}"
TINY = "pacs-images-test/tiny:1"


@pytest.fixture(scope="module")
def tiny_archive(tmp_path_factory):
    """A real `docker save` archive of a one-file image, made here (no registry)."""
    work = tmp_path_factory.mktemp("tiny")
    (work / "root").mkdir()
    (work / "root" / "hello").write_text("hello\n")
    rootfs = work / "rootfs.tar"
    with tarfile.open(rootfs, "w") as tar:
        tar.add(work / "root" / "hello", arcname="hello")
    run(["docker", "import", str(rootfs), TINY])
    archive = work / "tiny.tar"
    run(["docker", "save", "-o", str(archive), TINY])
    yield archive
    subprocess.run(["docker", "image", "rm", TINY], capture_output=True, check=False)


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    work = tmp_path_factory.mktemp("bad")
    garbage = work / "garbage.tar"
    garbage.write_bytes(b"this is not a tar archive\n" * 100)
    no_manifest = work / "no-manifest.tar"
    (work / "readme").write_text("not docker save output\n")
    with tarfile.open(no_manifest, "w") as tar:
        tar.add(work / "readme", arcname="readme")
    return {"garbage": garbage, "no_manifest": no_manifest, "dir": work, "missing": work / "missing.tar"}


def apply_role(tmp_path, variables):
    (tmp_path / "inventory").write_text(f"{GHOST} ansible_connection=community.docker.docker\n")
    (tmp_path / "play.yml").write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Apply the images role",
                    "hosts": "all",
                    "gather_facts": False,
                    "roles": [{"role": "pacs.orthanc.images"}],
                }
            ]
        )
    )
    variables = {"image_build_cache_dir": str(tmp_path / "cache"), **variables}
    inventory, play = str(tmp_path / "inventory"), str(tmp_path / "play.yml")
    return run(
        ["ansible-playbook", "-i", inventory, play, "-e", json.dumps(variables)],
        check=False,
        timeout=300,
    )


def assert_refused_untouched(proc, *needles):
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    for needle in needles:
        assert needle in out, f"{needle!r} not in output:\n{out[-3000:]}"
    assert TOUCHED not in out, f"the role touched the host:\n{out[-3000:]}"
    assert "UNREACHABLE" not in out, out[-3000:]
    assert "unreachable=0" in out and "failed=1" in out, out[-1500:]


OK_ORTHANC = "orthancteam/orthanc:26.8.2"
CASES = {
    "unknown_source": ({"images_source": "registry"}, ["images_source", "pull, archive, build"]),
    "orthanc_too_old": (
        {"images_pull_refs": {"orthanc": "orthancteam/orthanc:26.3.0", "postgres": "postgres:17.7", "adminer": "a:1"}},
        ["images_pull_refs", "26.4.0", "CVE-2026-5437"],
    ),
    "unpinned": (
        {"images_pull_refs": {"orthanc": OK_ORTHANC, "postgres": "postgres", "adminer": "a:1"}},
        ["images_pull_refs", "pinned tag"],
    ),
    "latest": (
        {"images_pull_refs": {"orthanc": OK_ORTHANC, "postgres": "postgres:latest", "adminer": "a:1"}},
        ["images_pull_refs", "other than latest"],
    ),
    "missing_pull_key": (
        {"images_pull_refs": {"orthanc": OK_ORTHANC, "postgres": "postgres:17.7"}},
        ["images_pull_refs must map exactly orthanc, postgres and adminer"],
    ),
    "archive_without_files": ({"images_source": "archive"}, ["images_archives must be a list", "at least one"]),
    "archive_relative_path": (
        {"images_source": "archive", "images_archives": ["images.tar"]},
        ["images_archives must be a list of absolute paths"],
    ),
    "unknown_flavor": ({"images_archive_flavor": "alpine"}, ["images_archive_flavor"]),
    # build: the settings are role image_build's, checked on the controller before any host is touched.
    "shell_in_package_list": (
        {"images_source": "build", "image_build_extra_packages": {"orthanc": ["jq; rm -rf /"]}},
        ["image_build_extra_packages must map"],
    ),
    "unknown_image_in_package_list": (
        {"images_source": "build", "image_build_extra_packages": {"viewer": ["jq"]}},
        ["image_build_extra_packages must map"],
    ),
    "bad_mirror": ({"images_source": "build", "image_build_mirror": "deb.debian.org"}, ["image_build_mirror"]),
    # The deprecated names of this role's build settings still reach role image_build.
    "deprecated_build_name": (
        {"images_source": "build", "images_build_mirror": "deb.debian.org"},
        ["image_build_mirror", "set through the deprecated images_build_mirror"],
    ),
    "relative_cache": (
        {"images_source": "build", "image_build_cache_dir": "cache"},
        ["image_build_cache_dir must be an absolute path"],
    ),
    "relative_host_tmp_dir": (
        {"images_host_tmp_dir": "tmp"},
        ["images_host_tmp_dir must be an absolute, normalised directory"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_refused_before_any_host(tmp_path, case):
    variables, needles = CASES[case]
    assert_refused_untouched(apply_role(tmp_path, variables), *needles)


@pytest.mark.parametrize(
    ("which", "reason"),
    [
        ("missing", "no such file"),
        ("garbage", "not a readable tar archive"),
        ("no_manifest", "a tar file without manifest.json"),
        ("dir", "not a regular file"),
    ],
)
def test_missing_or_unreadable_archive_is_refused(tmp_path, bad_files, tiny_archive, which, reason):
    archives = [str(tiny_archive), str(bad_files[which])]
    proc = apply_role(tmp_path, {"images_source": "archive", "images_archives": archives})
    assert_refused_untouched(proc, f"images_archives: {bad_files[which]}: {reason}")


def test_archive_without_the_needed_images_is_refused(tmp_path, tiny_archive):
    proc = apply_role(tmp_path, {"images_source": "archive", "images_archives": [str(tiny_archive)]})
    assert_refused_untouched(
        proc, "images_archive_refs: orthancteam/orthanc:26.8.2, postgres:17.7, adminer:5.4.1 not found", TINY
    )


def test_good_archive_input_reaches_the_host(tmp_path, tiny_archive):
    """Control: the same play with good input gets past the controller and fails only on the ghost host."""
    refs = {"orthanc": TINY, "postgres": TINY, "adminer": TINY}
    proc = apply_role(
        tmp_path,
        {"images_source": "archive", "images_archives": [str(tiny_archive)], "images_archive_refs": refs},
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert TOUCHED in out, out[-3000:]
    assert "Inspect the images already on the host" in out


def test_default_pull_pins_pass_preflight_and_reach_the_host(tmp_path):
    """Pull mode is not run here (no registry): its pinned defaults pass preflight and the play gets to the host."""
    proc = apply_role(tmp_path, {})
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert TOUCHED in out, out[-3000:]
    assert "Pull the pinned images" in out
