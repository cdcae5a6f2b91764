"""JSON Schema of the scenario format, generated from the vocabulary."""
from __future__ import annotations

import re

from .vocabulary import Vocabulary

_VALUE_PATTERNS = {  # ASCII digits only ([0-9], not \d, which matches any script's digits in Python)
    "id": r"[a-z][a-z0-9_]*",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "amount": r"-?[0-9]{1,15}(\.[0-9]{1,2})?",
    "integer": r"-?[0-9]{1,15}",
    "string": r'"(?:[^"\\]|\\.)*"',
}


def _arg_pattern(arg, any_value: bool = False) -> str:
    if arg.type.kind == "enum":
        pattern = "(?:" + "|".join(re.escape(v) for v in arg.type.value_names) + ")"
    else:
        pattern = _VALUE_PATTERNS[arg.type.kind]
    return f"(?:{pattern}|_)" if any_value else pattern


def _fact_pattern(decl, any_value: bool = False) -> str:
    if not decl.args:
        return rf"{decl.name}(\(\s*\))?"
    inner = r"\s*,\s*".join(_arg_pattern(a, any_value) for a in decl.args)
    return rf"{decl.name}\(\s*{inner}\s*\)"


def scenario_schema(vocab: Vocabulary, title: str) -> dict:
    """A JSON Schema (draft 2020-12) that a scenario file, read as YAML, satisfies.

    Each fact is a string matching one input predicate's signature; the
    vocabulary's documentation is carried into the schema's descriptions.
    Type checks the schema cannot express (real calendar dates) are left to
    the kit's own validation.
    """
    fact_variants = []
    for name in sorted(vocab.inputs):
        decl = vocab.inputs[name]
        fact_variants.append({
            "title": decl.signature,
            "description": decl.doc,
            "type": "string",
            "pattern": rf"^\s*{_fact_pattern(decl)}\s*\.?\s*$",
        })
    denied_variants = [{"title": v["title"], "description": v["description"], "type": "string",
                        "pattern": rf"^\s*{_fact_pattern(vocab.inputs[name], True)}\s*\.?\s*$"}
                       for name, v in zip(sorted(vocab.inputs), fact_variants)]
    pattern_names = "|".join(sorted(vocab.all_predicates()))
    atom = {"type": "string", "pattern": rf"^\s*(?:{pattern_names})\b.*$"}
    clause_id = {"type": ["string", "number"], "pattern": r"^(preamble|\d+(\.\d+)*(\.[a-z])?)$"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Scenario for {title}",
        "type": "object",
        "additionalProperties": False,
        "required": ["scenario", "facts"],
        "properties": {
            "scenario": {"type": "string", "description": "The scenario's name: the legal proposition it tests."},
            "description": {"type": "string"},
            "interpretations": {
                "type": ["array", "null"],
                "description": "Named interpretations of ambiguous passages to switch on.",
                "items": {"enum": sorted(vocab.interpretations)},
            },
            "facts": {"type": ["array", "null"], "items": {"anyOf": fact_variants}},
            "denied": {"type": ["array", "null"], "description": "Facts established as not so ('_' = any value).",
                       "items": {"anyOf": denied_variants}},
            "unknown": {"type": ["array", "null"], "description": "Facts in question: they may be either way.",
                        "items": {"anyOf": fact_variants}},
            "expect": {
                "type": ["array", "null"],
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "holds": atom,
                        "does_not_hold": atom,
                        "open": atom,
                        "cites": {"type": "array", "items": clause_id},
                        "decided_by": {"type": "array", "items": {"type": "string"}},
                        "holds_if": {"type": "array", "items": {"anyOf": [{"type": "string"},
                                                                            {"type": "array", "items": {"type": "string"}}]}},
                    },
                    "oneOf": [{"required": ["holds"]}, {"required": ["does_not_hold"]}, {"required": ["open"]}],
                },
            },
        },
    }
