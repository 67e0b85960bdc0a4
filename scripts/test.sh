#!/usr/bin/env bash
# The test command: installs what is missing, starts a private RabbitMQ node (own temp dir, own ports, TLS
# listener with a CA made on the spot) and a private PostgreSQL server (own temp dir, own port), runs every test
# against them; then, in a second step, a private three-node cluster for the region's test. It stops every server
# even when tests fail.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/refgw-test.XXXXXX")
cleanup() {
    status=$?
    bash scripts/broker.sh stop "$work/broker" || true
    bash scripts/cluster.sh stop "$work/cluster" || true
    bash scripts/postgres.sh stop "$work/postgres" || true
    # Nodes that tests started themselves (broker-restart tests) are stopped here too if a test died early.
    for d in "${TMPDIR:-/tmp}"/refgw-node-*; do [ -f "$d/node.env" ] && bash scripts/broker.sh stop "$d" > /dev/null 2>&1 && rm -rf "$d"; done
    rm -rf "$work"
    exit $status
}
trap cleanup EXIT INT TERM
# The official JSON Schema Test Suite, which the gateway's validator is run against (SchemaTestSuiteTests).
REFGW_JSON_SCHEMA_SUITE=$(bash scripts/json-schema-suite.sh)
export REFGW_JSON_SCHEMA_SUITE
# The house style (.swift-format, checked before anything is built): formatting, and a doc comment on every
# public declaration. A failure names the file and line; `swift format format -i -r Sources Tests Package.swift`
# mends what the formatter can.
if ! swift format lint --strict -r Sources Tests Package.swift; then
    echo "test.sh: the code is not in the house style (above); run: swift format format -i -r Sources Tests Package.swift" >&2
    exit 1
fi
swift build --build-tests
REFGW_BIN=$(swift build --show-bin-path)
export REFGW_BIN
# The regional deployment (docker/): no Docker engine runs here, so its files are checked without one.
bash scripts/check-docker.sh "$REFGW_BIN"
echo "starting a private RabbitMQ node in $work/broker"
bash scripts/broker.sh start "$work/broker"
# shellcheck disable=SC1091
source "$work/broker/env"
echo "starting a private PostgreSQL server in $work/postgres"
bash scripts/postgres.sh start "$work/postgres"
# shellcheck disable=SC1091
source "$work/postgres/env"
# Runs the tests (Swift Testing only: there are no XCTest cases, and its empty summary would only confuse the
# reader), logging to $1; further arguments go to `swift test`.
run_tests() {
    local log=$1
    shift
    if ! swift test --skip-build --disable-xctest "$@" 2>&1 | tee "$log"; then
        # Tests run in parallel, so a failure scrolls past among the other tests' logs; a CI page keeping only the
        # end of the output would lose it. Repeat each failure, with its details, last.
        echo
        echo "== failed tests and what they recorded (repeated from above) =="
        awk '/^✘/ { shown = 1; print; next }
             /^(◇|✔|[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T)/ { shown = 0 }
             shown { print }' "$log"
        return 1
    fi
}
run_tests "$work/swift-test.log"
# The region's step: the single node makes way for a private three-node cluster, and RegionSystemTests (skipped
# above, as it needs the cluster) runs two gateways on PostgreSQL across it, losing a gateway and a node.
bash scripts/broker.sh stop "$work/broker"
echo "starting a private three-node RabbitMQ cluster in $work/cluster"
bash scripts/cluster.sh start "$work/cluster"
(
    # shellcheck disable=SC1091
    source "$work/cluster/env"
    run_tests "$work/swift-test-region.log" --filter RegionSystemTests
)
