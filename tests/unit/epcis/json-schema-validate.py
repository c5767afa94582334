#!/usr/bin/python3
"""Validates JSON documents against a JSON Schema with the python3-jsonschema package (Debian;
an independent validator, not packid's code). Used by the epcis unit tests as the oracle for
EPCIS 2.0 JSON-LD (DOMAIN-2.md §14.8: the official schema is draft-07).

    json-schema-validate.py SCHEMA FILE...   exit 0 when every file is valid, 1 otherwise
    json-schema-validate.py --each SCHEMA FILE...
                                             one line per file on stdout, "valid PATH" or
                                             "invalid PATH" (not JSON: invalid), exit 0
"""
import json
import sys

import jsonschema


def main(argv):
    each = len(argv) > 1 and argv[1] == "--each"
    if each:
        argv = argv[:1] + argv[2:]
    if len(argv) < 3:
        print("usage: json-schema-validate.py SCHEMA FILE...", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=jsonschema.FormatChecker())
    status = 0
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            try:
                doc = json.load(f)
            except ValueError:
                if not each:
                    raise
                print(f"invalid {path}")
                continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if each:
            print(f"{'invalid' if errors else 'valid'} {path}")
            continue
        for e in errors[:5]:
            where = "/".join(str(p) for p in e.absolute_path)
            print(f"{path}: /{where}: {e.message[:300]}", file=sys.stderr)
        if errors:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
