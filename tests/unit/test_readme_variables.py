"""The README's variables reference is generated from the roles' argument specs and kept equal to them."""

import sys

import yaml

from tests.conftest import REPO_ROOT, run


def test_readme_variables_reference_matches_argument_specs():
    run([sys.executable, "scripts/variables_doc.py", "--check"])


def test_readme_lists_every_role_variable():
    readme = (REPO_ROOT / "README.md").read_text()
    for spec in (REPO_ROOT / "roles").glob("*/meta/argument_specs.yml"):
        for name in yaml.safe_load(spec.read_text())["argument_specs"]["main"]["options"]:
            assert f"| `{name}` |" in readme, name
