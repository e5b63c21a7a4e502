"""Role image_build on the controller: input refused with the variable named, the deprecated names of role
images still honoured, and the fresh-machine bug: a first run that has to create the base image used to
compute another recipe than every later run (the base image id was lost), so the second run built, saved
and distributed everything again. Here the second run must build nothing and name the same images.

Everything uses its own cache directory, base image and repository (never pacs.local/* or pacs-lab/*),
removed afterwards.
"""

import json
import re
import subprocess
import uuid

import pytest
import yaml

from tests.conftest import REPO_ROOT, run
from tests.integration.conftest import recap

REPOSITORY = f"pacs-test-{uuid.uuid4().hex[:8]}.local"


def play(tmp_path, variables, *extra):
    """Run the role on localhost; returns the process and the facts it published (None if it failed)."""
    (tmp_path / "play.yml").write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Build the images on the controller",
                    "hosts": "localhost",
                    "connection": "local",
                    "gather_facts": False,
                    "roles": [{"role": "pacs.orthanc.image_build"}],
                    "post_tasks": [
                        {
                            "name": "Show the facts for the test",
                            "ansible.builtin.debug": {
                                "msg": "FACTS {{ {'refs': image_build_refs, 'ids': image_build_ids, "
                                "'archive': image_build_archive, 'built': image_build_built} | to_json }}",
                            },
                        }
                    ],
                }
            ]
        )
    )
    proc = run(
        ["ansible-playbook", "-i", "localhost,", str(tmp_path / "play.yml"), "-e", json.dumps(variables), *extra],
        check=False,
        timeout=1800,
        env={
            "ANSIBLE_PYTHON_INTERPRETER": str(REPO_ROOT / ".venv" / "bin" / "python"),
            "ANSIBLE_STDOUT_CALLBACK": "default",
            "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        },
    )
    found = re.search(r'"msg": "FACTS (.*)"\n', proc.stdout)
    return proc, (json.loads(json.loads(f'"{found.group(1)}"')) if found else None)


def image_id(ref):
    proc = subprocess.run(
        ["docker", "image", "inspect", "-f", "{{.Id}}", ref], capture_output=True, text=True, check=False
    )
    return proc.stdout.strip() if proc.returncode == 0 else None


def scratch_build(cache, scratch, **more):
    """Variables for a build into this cache from the scratch base image and repository."""
    variables = {"image_build_cache_dir": str(cache), "image_build_base_image": scratch["base"]}
    return dict(variables, image_build_repository=scratch["repository"], **more)


@pytest.fixture(scope="module")
def scratch():
    """A repository of its own for the base image and the built images; every image in it removed after."""
    yield {"repository": REPOSITORY, "base": f"{REPOSITORY}/debian:forky"}
    refs = subprocess.run(
        ["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "--filter", f"reference={REPOSITORY}/*"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    if refs:
        subprocess.run(["docker", "image", "rm", "-f", *refs], capture_output=True, check=False)


CASES = {
    "relative_cache": ({"image_build_cache_dir": "cache"}, ["image_build_cache_dir must be an absolute path"]),
    "bad_mirror": ({"image_build_mirror": "deb.debian.org"}, ["image_build_mirror", '"deb.debian.org"']),
    "bad_revision": ({"image_build_revision": "1 2"}, ["image_build_revision letters"]),
    "unknown_suite": ({"image_build_suite": "bookworm"}, ["image_build_suite", "forky", "trixie"]),
    "shell_in_package_list": (
        {"image_build_extra_packages": {"orthanc": ["jq; rm -rf /"]}},
        ["image_build_extra_packages must map"],
    ),
    "unknown_image_in_package_list": (
        {"image_build_extra_packages": {"viewer": ["jq"]}},
        ["image_build_extra_packages must map"],
    ),
    # The deprecated name is honoured (its bad value is refused) and named as the source of the value.
    "deprecated_name": (
        {"images_build_mirror": "deb.debian.org"},
        ["image_build_mirror", '"deb.debian.org"', "set through the deprecated images_build_mirror"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_refused_before_anything_is_built(tmp_path, scratch, case):
    variables, needles = CASES[case]
    proc, _result = play(tmp_path, {"image_build_base_image": scratch["base"] + "-never", **variables})
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    for needle in needles:
        assert needle in out, f"{needle!r} not in output:\n{out[-3000:]}"
    assert "Make sure the base image exists" not in out
    assert image_id(scratch["base"] + "-never") is None


def test_deprecated_names_warn_and_are_used(tmp_path, scratch):
    """images_cache_dir still chooses the cache (check mode: nothing built), with a warning naming the new name."""
    old_cache = tmp_path / "old-name-cache"
    proc, facts = play(
        tmp_path,
        {"image_build_base_image": scratch["base"] + "-never", "images_cache_dir": str(old_cache)},
        "--check",
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "[DEPRECATED] images_cache_dir -> image_build_cache_dir" in proc.stdout
    assert facts["archive"].startswith(f"{old_cache}/pacs-images-"), facts
    assert facts["built"] is True and facts["ids"] == {}, facts
    assert image_id(scratch["base"] + "-never") is None


def test_check_mode_with_a_missing_base_image_builds_nothing(tmp_path, scratch):
    proc, facts = play(
        tmp_path,
        {"image_build_base_image": scratch["base"] + "-check", "image_build_cache_dir": str(tmp_path / "cache")},
        "--check",
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert facts["built"] is True and facts["ids"] == {}, facts
    assert facts["refs"]["orthanc"].startswith("pacs.local/orthanc:recipe-"), facts
    assert recap(proc.stdout)["localhost"]["changed"] == 0
    assert image_id(scratch["base"] + "-check") is None
    assert not (tmp_path / "cache").exists()


@pytest.mark.slow
def test_second_run_from_an_empty_cache_and_a_missing_base_builds_nothing(tmp_path, scratch):
    """Fresh machine: no cache, no base image. Run 1 creates both; run 2 must be a no-op with the same images."""
    cache = tmp_path / "cache"
    variables = scratch_build(cache, scratch)
    assert image_id(scratch["base"]) is None

    first, one = play(tmp_path, variables)
    assert first.returncode == 0, first.stdout[-4000:]
    base_after_first = image_id(scratch["base"])
    assert one["built"] is True
    assert base_after_first is not None

    second, two = play(tmp_path, variables)
    assert second.returncode == 0, second.stdout[-4000:]

    assert two["built"] is False, "the second run built again"
    assert recap(second.stdout)["localhost"]["changed"] == 0, second.stdout[-3000:]
    assert two["refs"] == one["refs"]
    assert two["ids"] == one["ids"]
    assert two["archive"] == one["archive"]
    assert image_id(scratch["base"]) == base_after_first
    # The ids the role publishes are the images now tagged, and the archive holds them.
    for name, ref in one["refs"].items():
        assert ref.startswith(f"{scratch['repository']}/{name}:"), ref
        assert image_id(ref) == one["ids"][name]
    manifest = json.loads(run(["tar", "-xOf", one["archive"], "manifest.json"]).stdout)
    assert sorted(t for e in manifest for t in e["RepoTags"]) == sorted(one["refs"].values())
    assert len((cache / "builds.log").read_text().splitlines()) == 1
    assert not list(cache.glob(".export-*")), "the private export directory was left behind"
    assert sorted(p.name for p in cache.glob("pacs-images-*")) == sorted(
        [one["archive"].rsplit("/", 1)[1], one["archive"].rsplit("/", 1)[1].replace(".tar", ".json")]
    )


@pytest.mark.slow
def test_a_build_without_enough_free_disk_is_refused_before_it_writes(tmp_path, scratch):
    """A new cache means a build, refused before its first write (only a missing base image is made first)."""
    cache = tmp_path / "cache"
    variables = scratch_build(cache, scratch, image_build_min_free_disk_mb=1 << 40)
    base_was_there = image_id(scratch["base"]) is not None
    proc, facts = play(tmp_path, variables)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and facts is None, out[-3000:]
    assert "image_build_min_free_disk_mb: " in out and "MB free, a build needs 1099511627776 MB" in out, out[-3000:]
    assert recap(proc.stdout)["localhost"]["changed"] == (0 if base_was_there else 1)
    assert not cache.exists()
