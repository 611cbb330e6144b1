"""A `toolcall` suite from the user's own function schemas: `--suite toolcall:my_tools.json`.

The file is JSON:

    {
      "name": "crm",                                  optional; the suite is "toolcall-crm"
      "functions": [ OpenAI-style schemas: {"type": "function", "function": {"name", "description",
                     "parameters"}} or the inner {"name", "description", "parameters"} ],
      "templates": {"lookup_customer": ["look up customer {customer_id}", ...], ...},
      "domains": {"lookup_customer": "crm", ...},     optional; default: one domain "default"
      "held_out": {"domains": [...], "styles": ["narrative"]},   optional; this is the default
      "per_function": 20, "seed": 0, "candidates": 4  optional
    }

Templates are verb phrases whose `{placeholders}` name parameters. Values are drawn from each
parameter's `enum`, `examples`, `format` (date, time) or numeric `minimum`/`maximum`; a string
parameter without any of these is refused with the fix. `x-compare` (`exact`, `upper`, `text`)
sets how strings compare (default: without case).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ratchet.errors import UserError
from ratchet.suites.toolcall.generate import STYLES
from ratchet.suites.toolcall.library import FunctionSpec
from ratchet.suites.toolcall.suite import HELD_OUT_STYLES, ToolCallSuite


def load_toolcall_file(path: str | Path) -> ToolCallSuite:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"no toolcall schema file at {path}")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise UserError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("functions"), list):
        raise UserError(f"{path} must hold a JSON object with a \"functions\" list (see docs/TEST_TIME.md)")
    templates = data.get("templates", {})
    domains = data.get("domains", {})
    functions = [_function(raw, templates, domains, path) for raw in data["functions"]]
    held_out = data.get("held_out", {})
    return ToolCallSuite(
        functions,
        per_function=int(data.get("per_function", 20)),
        seed=int(data.get("seed", 0)),
        held_out_domains=tuple(held_out.get("domains", ())),
        held_out_styles=tuple(held_out.get("styles", HELD_OUT_STYLES)),
        styles=STYLES,
        n_candidates=int(data.get("candidates", 4)),
        name=f"toolcall-{data.get('name', path.stem)}",
    )


def _function(raw: Any, templates: dict, domains: dict, path: Path) -> FunctionSpec:
    schema = raw.get("function", raw) if isinstance(raw, dict) else None
    if not isinstance(schema, dict) or not isinstance(schema.get("name"), str):
        raise UserError(f"{path}: every entry of \"functions\" needs a \"name\" (OpenAI function schema)")
    name = schema["name"]
    parameters = schema.get("parameters") or {"type": "object", "properties": {}}
    if not isinstance(parameters.get("properties", {}), dict):
        raise UserError(f"{path}: parameters.properties of '{name}' must be an object")
    parameters = {"type": "object", "properties": parameters.get("properties", {}),
                  "required": list(parameters.get("required", []))}
    phrasings = raw.get("x-templates") or templates.get(name) or ()
    spec = FunctionSpec(str(domains.get(name, raw.get("x-domain", "default"))), name,
                        str(schema.get("description", "")), parameters, tuple(phrasings))
    spec.check()
    return spec
