"""meta/execution-environment.yml cannot be built here (no registry): its shape and pins are checked instead."""

import json
import re
from pathlib import Path

import yaml

import ansible_collections
from tests.conftest import REPO_ROOT

EE = yaml.safe_load((REPO_ROOT / "meta" / "execution-environment.yml").read_text())
REQUIRED_COLLECTIONS = {"community.docker", "community.general", "ansible.posix", "community.crypto"}


def pins(lines):
    """{normalised name: version} of the `name==version` lines; comments and markers ignored."""
    found = {}
    for line in lines:
        match = re.match(r"^\s*([A-Za-z0-9._-]+)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)", line)
        if match:
            found[match[1].lower().replace("_", "-")] = match[2]
    return found


DEV_PINS = pins((REPO_ROOT / "requirements-dev.txt").read_text().splitlines())


def bundled_version(fqcn):
    """Version of a collection in the `ansible` package of this virtualenv (where the controller gets it)."""
    namespace, name = fqcn.split(".")
    for root in map(Path, ansible_collections.__path__):
        manifest = root / namespace / name / "MANIFEST.json"
        if manifest.is_file():
            return json.loads(manifest.read_text())["collection_info"]["version"]
    raise AssertionError(f"{fqcn} is not in the installed ansible package")


def test_builder_v3_shape():
    assert EE["version"] == 3
    assert set(EE) <= {"version", "images", "dependencies", "options", "additional_build_steps", "build_arg_defaults"}
    assert re.fullmatch(r"[\w.-]+(/[\w.-]+)+:[\w.-]+", EE["images"]["base_image"]["name"])
    deps = EE["dependencies"]
    assert set(deps) == {"python_interpreter", "ansible_core", "ansible_runner", "python", "system", "galaxy"}
    assert deps["python_interpreter"]["python_path"].startswith("/")
    assert all(isinstance(entry, str) for entry in deps["python"] + deps["system"])


def test_ansible_core_and_runner_equal_the_dev_pins():
    deps = EE["dependencies"]
    assert deps["ansible_core"]["package_pip"] == f"ansible-core=={DEV_PINS['ansible-core']}"
    assert deps["ansible_runner"]["package_pip"] == f"ansible-runner=={DEV_PINS['ansible-runner']}"


def test_python_requirements_are_the_module_dependencies_pinned_as_in_development():
    ee_pins = pins(EE["dependencies"]["python"])
    assert set(ee_pins) == {"docker", "jinja2", "jmespath", "requests"}
    assert len(ee_pins) == len(EE["dependencies"]["python"]), "every Python requirement is pinned with =="
    assert {name: DEV_PINS.get(name) for name in ee_pins} == ee_pins


def test_system_packages_name_their_platform():
    for entry in EE["dependencies"]["system"]:
        assert re.fullmatch(r"[\w.+-]+ \[platform:(rpm|dpkg)\]", entry), entry


def test_collections_are_those_of_the_tested_ansible_package():
    collections = {c["name"]: str(c["version"]) for c in EE["dependencies"]["galaxy"]["collections"]}
    assert set(collections) == REQUIRED_COLLECTIONS
    galaxy = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())
    assert set(galaxy["dependencies"]) <= set(collections)
    assert collections == {name: bundled_version(name) for name in collections}
