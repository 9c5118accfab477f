#!/usr/bin/env python3
"""Checks docker-compose.yml against the Compose specification's JSON schema,
without a Docker engine.

Usage: check_compose.py SCHEMA_JSON [COMPOSE_FILE]

SCHEMA_JSON is the Compose specification schema (scripts/test.sh takes it from
the docker-compose 1.29.2 wheel on PyPI, compose/config/compose_spec.json).
Compose substitutes ${VAR:-default} before it validates; so does this script,
with the defaults (the variables a user may set are listed in docker/README.md).
Needs PyYAML and jsonschema. Prints one line per problem; exits 1 on any.
"""
import json
import re
import sys

import jsonschema
import yaml

DEFAULT = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?-([^}]*)\}")
BARE = re.compile(r"\$\{?[A-Za-z_]")


def interpolate(node, where="$"):
    if isinstance(node, dict):
        return {k: interpolate(v, f"{where}.{k}") for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(v, f"{where}[{i}]") for i, v in enumerate(node)]
    if isinstance(node, str):
        text = DEFAULT.sub(lambda m: m.group(2), node)
        if BARE.search(text.replace("$$", "")):
            raise SystemExit(f"{where}: a variable without a default: {node!r}")
        return text.replace("$$", "$")
    return node


def main():
    schema_path = sys.argv[1]
    compose_path = sys.argv[2] if len(sys.argv) > 2 else "docker-compose.yml"
    with open(schema_path) as f:
        schema = json.load(f)
    with open(compose_path) as f:
        document = interpolate(yaml.safe_load(f))
    # The schema declares draft 2019-09 (as http://…/schema#, a URI jsonschema
    # does not look up), so its validator is named here.
    jsonschema.Draft201909Validator.check_schema(schema)
    validator = jsonschema.Draft201909Validator(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    for e in errors:
        path = "/".join(str(p) for p in e.absolute_path) or "(top level)"
        print(f"{compose_path}: {path}: {e.message}")
    if errors:
        sys.exit(1)
    print(f"{compose_path}: valid against {schema.get('id', schema_path)}")


if __name__ == "__main__":
    main()
