#!/usr/bin/env bash
# The main command: installs what is missing, starts a private RabbitMQ node, starts the whole system on it (the
# gateway and the six service workers, each its own process), plays the end-to-end scenario (scripts/scenario.sh),
# prints what each service received, then stops every process with SIGTERM and the node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/refgw-run.XXXXXX")
cleanup() {
    status=$?
    bash scripts/system.sh stop "$work/system" 2> /dev/null || true
    bash scripts/broker.sh stop "$work/broker" || true
    [ $status -eq 0 ] || { echo "logs kept in $work/system/logs" >&2; return; }
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
echo "building (the first build takes a few minutes)..."
swift build > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
export BIN REFGW_BIN
BIN=$(swift build --show-bin-path)
REFGW_BIN=$BIN
echo "starting a private RabbitMQ node in $work/broker"
bash scripts/broker.sh start "$work/broker"
# shellcheck disable=SC1091
source "$work/broker/env"
bash scripts/system.sh start "$work/system"
bash scripts/scenario.sh "$work/system"
printf '\n\033[1m== stopping every process with SIGTERM\033[0m\n'
bash scripts/system.sh stop "$work/system"
grep -h "stopped" "$work"/system/logs/*.log | sed 's/^[^ ]* //' || true
