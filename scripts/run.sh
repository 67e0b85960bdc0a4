#!/usr/bin/env bash
# The main command: installs what is missing, starts a private RabbitMQ node, runs the system on it, and stops
# everything at the end. Until the workers exist (issue 4) the system is the gateway: development keys are made,
# the gateway runs as its own process, a victim service sends consent and referrals through it, each recipient's
# inbox is shown (what arrived, what was removed), the gateway is stopped with SIGTERM, and its audit log checked.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/refgw-run.XXXXXX")
gateway_pid=""
cleanup() {
    status=$?
    [ -n "$gateway_pid" ] && kill -TERM "$gateway_pid" 2> /dev/null && wait "$gateway_pid" 2> /dev/null || true
    bash scripts/broker.sh stop "$work/broker" || true
    rm -rf "$work"
    exit $status
}
trap cleanup EXIT INT TERM
echo "building..."
swift build --product refgw > "$work/build.log" 2>&1 && swift build --product gateway >> "$work/build.log" 2>&1 \
    || { cat "$work/build.log"; exit 1; }
bin=$(swift build --show-bin-path)
echo "starting a private RabbitMQ node in $work/broker"
bash scripts/broker.sh start "$work/broker"
# shellcheck disable=SC1091
source "$work/broker/env"
"$bin/refgw" broker declare

echo "== development keys (never for production)"
for party in gateway victim; do
    "$bin/refgw" keys generate --party "$party" --key-id "$party-dev" --key-dir "$work/keys" --trust "$work/trust.json"
done

echo "== starting the gateway (log: $work/gateway.log)"
"$bin/gateway" --url "$REFGW_AMQP_URL_GATEWAY" --key "$work/keys/gateway-dev.key" --trust "$work/trust.json" \
    --database "$work/gateway.sqlite" > "$work/gateway.log" 2>&1 &
gateway_pid=$!

echo "== a victim service sends through the gateway"
"$bin/refgw" gateway-demo --key "$work/keys/victim-dev.key" --database "$work/gateway.sqlite"

echo "== stopping the gateway with SIGTERM"
kill -TERM "$gateway_pid"
if wait "$gateway_pid"; then echo "gateway stopped cleanly"; else echo "gateway exited with status $?"; tail -5 "$work/gateway.log"; fi
gateway_pid=""
"$bin/refgw" audit verify --database "$work/gateway.sqlite"

echo "== AMQP foundation smoke run"
"$bin/refgw" smoke
