#!/usr/bin/env python
"""Write (or --check) the README's variables reference from every role's meta/argument_specs.yml."""

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BEGIN, END = "<!-- BEGIN VARIABLES (scripts/variables_doc.py) -->", "<!-- END VARIABLES -->"
ROLE_ORDER = ["docker", "images", "image_build", "orthanc"]


def cell(text):
    text = re.sub(r"[OV]\(([^)=]*)(=[^)]*)?\)", lambda m: f"`{m.group(1)}{m.group(2) or ''}`", str(text))
    text = re.sub(r"[CM]\(([^)]*)\)", r"`\1`", text)
    return text.replace("|", "\\|").replace("\n", " ")


def render():
    out = [BEGIN, ""]
    roles = sorted((ROOT / "roles").glob("*/meta/argument_specs.yml"), key=lambda p: ROLE_ORDER.index(p.parts[-3]))
    for spec_file in roles:
        role = spec_file.parts[-3]
        main = yaml.safe_load(spec_file.read_text())["argument_specs"]["main"]
        out += [f"### Role `pacs.orthanc.{role}`", "", cell(main.get("short_description", "")), ""]
        out += ["| variable | type | default | description |", "|---|---|---|---|"]
        for name, spec in main["options"].items():
            default = spec.get("default")
            dumped = yaml.safe_dump(default, default_flow_style=True, width=1000).strip().removesuffix("...").strip()
            shown = "(secret)" if spec.get("no_log") and default else f"`{dumped}`"
            kind = spec.get("type", "str") + (f" of {spec['elements']}" if spec.get("elements") else "")
            if spec.get("choices"):
                kind += ": " + ", ".join(f"`{c}`" for c in spec["choices"])
            desc = (
                " ".join(spec["description"])
                if isinstance(spec.get("description"), list)
                else spec.get("description", "")
            )
            out.append(f"| `{name}` | {cell(kind)} | {cell(shown)} | {cell(desc)} |")
        out.append("")
    out.append(END)
    return "\n".join(out)


def main():
    text = README.read_text()
    start, stop = text.index(BEGIN), text.index(END) + len(END)
    updated = text[:start] + render() + text[stop:]
    if "--check" in sys.argv:
        if updated != text:
            sys.exit("README.md's variables reference differs from argument_specs: run scripts/variables_doc.py")
        return
    README.write_text(updated)


if __name__ == "__main__":
    main()
