"""How a function of the `toolcall` suite is described: an OpenAI-style schema, the domain it
belongs to, and the verb phrases a request can use for it ("get the {days}-day forecast for
{city}"). A phrase names the parameters it fills with `{placeholders}`; the gold call holds
exactly those arguments, so optional parameters appear in some requests and not in others.

Parameter helpers write the JSON schema a user would write, plus two extensions the generator and
the verifier read: `examples` (values to draw, a standard JSON-schema keyword) and `x-compare`
(how strings compare: casefold by default, `exact`, `upper`, `text`), and `x-unit: money`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ratchet.errors import UserError

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class FunctionSpec:
    domain: str
    name: str
    description: str
    parameters: Mapping[str, Any]  # a JSON schema of type object
    phrasings: tuple[str, ...]

    def schema(self) -> dict[str, Any]:
        """The OpenAI-style function schema shown to the model and used by the verifier."""
        return {"name": self.name, "description": self.description, "parameters": dict(self.parameters)}

    def check(self) -> None:
        """Refuse phrasings that omit a required parameter or name an unknown one."""
        properties = self.parameters.get("properties", {})
        required = set(self.parameters.get("required", ()))
        if not self.phrasings:
            raise UserError(f"function '{self.name}' has no templates: give it at least one request phrasing")
        for phrasing in self.phrasings:
            used = set(_PLACEHOLDER.findall(phrasing))
            if unknown := used - set(properties):
                raise UserError(f"template '{phrasing}' of '{self.name}' names unknown parameter(s) {sorted(unknown)}")
            if missing := required - used:
                raise UserError(f"template '{phrasing}' of '{self.name}' leaves out required parameter(s) {sorted(missing)}")


def placeholders(phrasing: str) -> list[str]:
    return _PLACEHOLDER.findall(phrasing)


def fn(domain: str, name: str, description: str, params: Mapping[str, dict], phrasings: Sequence[str],
       optional: Sequence[str] = ()) -> FunctionSpec:
    """A function whose parameters are all required except those named in `optional`."""
    schema = {
        "type": "object",
        "properties": dict(params),
        "required": [key for key in params if key not in optional],
    }
    spec = FunctionSpec(domain, name, description, schema, tuple(phrasings))
    spec.check()
    return spec


def string(description: str, examples: Sequence[str], compare: str = "casefold") -> dict:
    spec: dict[str, Any] = {"type": "string", "description": description, "examples": list(examples)}
    if compare != "casefold":
        spec["x-compare"] = compare
    return spec


def date(description: str) -> dict:
    return {"type": "string", "format": "date", "description": description + " (YYYY-MM-DD)"}


def time(description: str) -> dict:
    return {"type": "string", "format": "time", "description": description + " (HH:MM, 24-hour)"}


def integer(description: str, minimum: int, maximum: int, default: int | None = None) -> dict:
    spec: dict[str, Any] = {"type": "integer", "description": description, "minimum": minimum, "maximum": maximum}
    if default is not None:
        spec["default"] = default  # an optional argument given with this value counts as left out
    return spec


def number(description: str, minimum: float, maximum: float, money: bool = False) -> dict:
    spec: dict[str, Any] = {"type": "number", "description": description, "minimum": minimum, "maximum": maximum}
    if money:
        spec["x-unit"] = "money"
    return spec


def enum(description: str, options: Sequence[str], default: str | None = None) -> dict:
    spec: dict[str, Any] = {"type": "string", "description": description, "enum": list(options)}
    if default is not None:
        spec["default"] = default
    return spec


def email(description: str, examples: Sequence[str]) -> dict:
    return {"type": "string", "format": "email", "description": description, "examples": list(examples)}


def array(description: str, examples: Sequence[Any], item_type: str = "string", unordered: bool = True) -> dict:
    """A list parameter; `unordered`: the verifier compares it as a set (a group's members)."""
    spec: dict[str, Any] = {"type": "array", "description": description,
                            "items": {"type": item_type, "examples": list(examples)}}
    if unordered:
        spec["x-unordered"] = True
    return spec


def signature(schema: Mapping[str, Any]) -> str:
    """A compact one-line rendering of a function schema for the prompt:
    `get_forecast(city: string, days: integer 1-10) - Get the weather forecast ...`."""
    parameters = schema.get("parameters", {})
    required = set(parameters.get("required", ()))
    parts = []
    for key, spec in parameters.get("properties", {}).items():
        parts.append(f"{key}{'' if key in required else '?'}: {_type_text(spec)}")
    return f"{schema['name']}({', '.join(parts)}) - {schema.get('description', '')}".rstrip(" -")


def _type_text(spec: Mapping[str, Any]) -> str:
    if "enum" in spec:
        text = " | ".join(f'"{option}"' for option in spec["enum"])
    elif spec.get("format") == "date":
        text = "date YYYY-MM-DD"
    elif spec.get("format") == "time":
        text = "time HH:MM"
    elif spec.get("type") in ("integer", "number") and "minimum" in spec and spec.get("x-unit") != "money":
        text = f"{spec['type']} {spec['minimum']:g}-{spec['maximum']:g}"
    elif spec.get("type") == "array":
        text = f"list of {spec.get('items', {}).get('type', 'string')}"
    else:
        text = spec.get("type", "string")
    if "default" in spec:
        text += f" = {spec['default']!r}"
    return text
