"""Every role's meta/argument_specs.yml mirrors its defaults/main.yml: same names, defaults and types."""

import re
from pathlib import Path

import pytest
import yaml

ROLES = sorted(p.parent.parent for p in Path(__file__).resolve().parents[3].glob("roles/*/meta/argument_specs.yml"))
PYTHON_TYPES = {"str": str, "int": int, "bool": bool, "list": list, "dict": dict, "path": str, "raw": object}


def load(role):
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text()) or {}
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    return defaults, specs


def test_roles_are_found():
    assert {r.name for r in ROLES} >= {"orthanc"}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name)
def test_specs_name_exactly_the_defaults(role):
    defaults, specs = load(role)
    assert sorted(specs) == sorted(defaults)


# A renamed variable's default falls back to its deprecated name: "{{ old_name | default(literal) }}".
RENAMED = re.compile(r"^\{\{ (?P<old>[a-z_]+) \| default\((?P<literal>.*)\) \}\}$")


def effective_default(value):
    """The default a user gets: for a renamed variable, the literal behind its deprecated name."""
    match = RENAMED.match(value) if isinstance(value, str) else None
    return yaml.safe_load(match["literal"]) if match else value


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name)
def test_spec_defaults_equal_the_defaults(role):
    defaults, specs = load(role)
    for name, spec in specs.items():
        assert "default" in spec, f"{role.name}: {name} has no default in argument_specs"
        assert spec["default"] == effective_default(defaults[name]), f"{role.name}: {name}"


def test_renamed_variables_fall_back_to_their_old_names_only():
    defaults, _specs = load(next(r for r in ROLES if r.name == "orthanc"))
    renamed = {n: RENAMED.match(v)["old"] for n, v in defaults.items() if isinstance(v, str) and RENAMED.match(v)}
    assert renamed, "orthanc_gateway_* variables fall back to orthanc_client_*"
    assert all(old == n.replace("orthanc_gateway_", "orthanc_client_", 1) for n, old in renamed.items()), renamed


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name)
def test_spec_types_fit_the_defaults(role):
    defaults, specs = load(role)
    for name, spec in specs.items():
        assert spec.get("description"), f"{role.name}: {name} needs a description"
        expected = PYTHON_TYPES[spec.get("type", "str")]
        value = effective_default(defaults[name])
        if isinstance(value, str) and "{{" in value:
            continue  # a templated default is resolved at run time
        assert isinstance(value, expected), f"{role.name}: {name} default {value!r} is not {spec.get('type')}"
        if "choices" in spec:
            # For a list, Ansible checks each element against the choices.
            values = value if spec.get("type") == "list" else [value]
            assert all(v in spec["choices"] for v in values), f"{role.name}: {name} default not among its choices"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name)
def test_variables_are_prefixed_with_the_role_name(role):
    defaults, _specs = load(role)
    assert [n for n in defaults if not n.startswith(f"{role.name}_")] == []
