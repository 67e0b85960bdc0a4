#!/usr/bin/env bash
# Fetches the official JSON Schema Test Suite (github.com/json-schema-org/JSON-Schema-Test-Suite) as the
# `jsonschema` package's source distribution on PyPI ships it, for the version of `jsonschema` installed here,
# into DIR (default .build/json-schema-suite), and prints the directory holding its draft 2020-12 tests.
# Preparing the source distribution needs hatchling, hatch-vcs and hatch-fancy-pypi-readme: installed if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-.build/json-schema-suite}
version=$(python3 -c 'import importlib.metadata as m; print(m.version("jsonschema"))')
suite="$dest/jsonschema-$version/json/tests/draft2020-12"
if [ ! -f "$suite/type.json" ]; then
    if ! python3 -c 'import hatchling, hatch_vcs, hatch_fancy_pypi_readme' 2> /dev/null; then
        echo "installing from PyPI: hatchling hatch-vcs hatch-fancy-pypi-readme (to prepare jsonschema's source)" >&2
        python3 -m pip install -q hatchling hatch-vcs hatch-fancy-pypi-readme 2> /dev/null \
            || python3 -m pip install -q --break-system-packages hatchling hatch-vcs hatch-fancy-pypi-readme
    fi
    mkdir -p "$dest"
    python3 -m pip download -q --no-binary :all: --no-deps --no-build-isolation -d "$dest" "jsonschema==$version" >&2
    tar -xzf "$dest/jsonschema-$version.tar.gz" -C "$dest" "jsonschema-$version/json/tests/draft2020-12"
    [ -f "$suite/type.json" ] || { echo "jsonschema $version's source has no draft 2020-12 tests in $suite" >&2; exit 1; }
fi
echo "$suite"
