#!/usr/bin/env bash
# The main command: installs what is missing, starts a private RabbitMQ node, runs the system on it, and
# stops the node at the end. Until the gateway and the workers exist (issues 3 and 4) the system is the
# foundation: the broker topology, and a signed referral through the broker with verification and a dead letter.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/refgw-run.XXXXXX")
cleanup() { status=$?; bash scripts/broker.sh stop "$work/broker" || true; rm -rf "$work"; exit $status; }
trap cleanup EXIT INT TERM
echo "building..."
swift build --product refgw > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
echo "starting a private RabbitMQ node in $work/broker"
bash scripts/broker.sh start "$work/broker"
# shellcheck disable=SC1091
source "$work/broker/env"
refgw=$(swift build --show-bin-path)/refgw
"$refgw" broker declare
"$refgw" smoke
