#!/usr/bin/env python3
"""Validates message bodies against contracts/schemas with an implementation independent of the Swift code.

    validate.py --schemas DIR [--valid DIR] [--invalid DIR]

Every schema is first checked against the JSON Schema 2020-12 meta-schema. Each file in --valid, named
<type>.<anything>.json, must validate against schemas/<type>.schema.json; each file in --invalid must not.
Prints one line per file and a closing "N passed, N failed"; exits non-zero on any failure.
"""
import argparse
import json
import pathlib
import sys

try:
    import jsonschema
    from referencing import Registry, Resource
except ImportError:
    sys.exit("validate.py needs the jsonschema package: pip install jsonschema")


def load_registry(schema_dir):
    schemas = {}
    for path in sorted(pathlib.Path(schema_dir).glob("*.schema.json")):
        schema = json.loads(path.read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        schemas[path.name[: -len(".schema.json")]] = schema
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas.values()
    )
    return schemas, registry


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schemas", required=True)
    ap.add_argument("--valid")
    ap.add_argument("--invalid")
    args = ap.parse_args()
    schemas, registry = load_registry(args.schemas)
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    passed = failed = 0

    def check(directory, should_pass):
        nonlocal passed, failed
        if not directory:
            return
        for path in sorted(pathlib.Path(directory).glob("*.json")):
            kind = path.name.split(".")[0]
            if kind not in schemas:
                print(f"FAIL {path.name}: no schema named {kind}")
                failed += 1
                continue
            validator = jsonschema.Draft202012Validator(schemas[kind], registry=registry, format_checker=checker)
            errors = list(validator.iter_errors(json.loads(path.read_text())))
            ok = (not errors) == should_pass
            if ok:
                passed += 1
                detail = "" if should_pass else f" (refused: {errors[0].message[:100]})"
                print(f"ok   {path.name}{detail}")
            else:
                failed += 1
                detail = errors[0].message if errors else "was accepted but must be refused"
                print(f"FAIL {path.name}: {detail}")

    check(args.valid, True)
    check(args.invalid, False)
    print(f"schemas checked: {len(schemas)}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
