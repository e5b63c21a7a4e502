"""ansible-doc renders every module, and each DOCUMENTATION matches the argument spec the module really uses."""

import importlib
import json

import pytest

from tests.conftest import REPO_ROOT, run

MODULES = sorted(p.stem for p in (REPO_ROOT / "plugins" / "modules").glob("*.py"))


@pytest.fixture(scope="module")
def docs():
    proc = run(["ansible-doc", "--json", *[f"pacs.orthanc.{name}" for name in MODULES]])
    return json.loads(proc.stdout)


@pytest.mark.parametrize("name", MODULES)
def test_ansible_doc_renders_with_examples_and_return(name):
    proc = run(["ansible-doc", f"pacs.orthanc.{name}"])
    assert f"pacs.orthanc.{name}" in proc.stdout
    assert "EXAMPLES:" in proc.stdout
    assert "RETURN VALUES:" in proc.stdout
    assert f"pacs.orthanc.{name}:" in proc.stdout  # an example calls the module by its FQCN


def _compare(doc_options, spec, where):
    assert sorted(doc_options) == sorted(spec), f"{where}: documented options differ from the argument spec"
    for option, rules in spec.items():
        doc = doc_options[option]
        assert doc.get("type", "str") == rules.get("type", "str"), f"{where}.{option}: type"
        assert doc.get("default") == rules.get("default"), f"{where}.{option}: default"
        assert doc.get("choices") == rules.get("choices"), f"{where}.{option}: choices"
        assert bool(doc.get("required")) == bool(rules.get("required")), f"{where}.{option}: required"
        assert sorted(doc.get("aliases", [])) == sorted(rules.get("aliases", [])), f"{where}.{option}: aliases"
        if "options" in rules:
            _compare(doc["suboptions"], rules["options"], f"{where}.{option}")


@pytest.mark.parametrize("name", MODULES)
def test_documentation_matches_argument_spec(docs, name):
    module = importlib.import_module(f"ansible_collections.pacs.orthanc.plugins.modules.{name}")
    entry = docs[f"pacs.orthanc.{name}"]
    _compare(entry["doc"]["options"], module.argument_spec(), name)
    assert entry["examples"].strip()
    assert entry["return"]


@pytest.mark.parametrize("name", MODULES)
def test_secrets_are_no_log(name):
    spec = importlib.import_module(f"ansible_collections.pacs.orthanc.plugins.modules.{name}").argument_spec()
    if name == "project_files":
        assert spec["secret_files"]["options"]["content"]["no_log"] is True
    else:
        assert spec["password"]["no_log"] is True
