#!/usr/bin/env bash
# The main command: installs what is missing, starts a private RabbitMQ node, starts the whole system on it (the
# gateway and the six service workers, each its own process), plays the end-to-end scenario (scripts/scenario.sh),
# prints what each service received, then stops every process with SIGTERM and the node.
#
#   run.sh            one machine: one broker node, one gateway on its SQLite file
#   run.sh --region   a region: a three-node cluster, two gateways and two keepers on one PostgreSQL database; during
#                     the scenario the node holding gateway.in's leader stops and a gateway is killed (kill -9)
set -euo pipefail
cd "$(dirname "$0")/.."
region=false
case ${1:-} in
    "") ;;
    --region) region=true ;;
    *) echo "run.sh: unknown option '$1': run it bare (one machine) or with --region (a cluster, two gateways, PostgreSQL)" >&2; exit 2 ;;
esac
bash scripts/install-deps.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/refgw-run.XXXXXX")
cleanup() {
    status=$?
    bash scripts/system.sh stop "$work/system" 2> /dev/null || true
    bash scripts/broker.sh stop "$work/broker" 2> /dev/null || true
    bash scripts/cluster.sh stop "$work/cluster" 2> /dev/null || true
    bash scripts/postgres.sh stop "$work/postgres" 2> /dev/null || true
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
if $region; then
    echo "starting a private three-node RabbitMQ cluster in $work/cluster"
    bash scripts/cluster.sh start "$work/cluster"
    # shellcheck disable=SC1091
    source "$work/cluster/env"
    echo "starting a private PostgreSQL server in $work/postgres"
    bash scripts/postgres.sh start "$work/postgres"
    # shellcheck disable=SC1091
    source "$work/postgres/env"
    export REFGW_GATEWAY_POSTGRES=$REFGW_POSTGRES_URL REFGW_GATEWAYS=2
else
    echo "starting a private RabbitMQ node in $work/broker"
    bash scripts/broker.sh start "$work/broker"
    # shellcheck disable=SC1091
    source "$work/broker/env"
fi
bash scripts/system.sh start "$work/system"
bash scripts/scenario.sh "$work/system"
printf '\n\033[1m== stopping every process with SIGTERM\033[0m\n'
bash scripts/system.sh stop "$work/system"
grep -h "stopped" "$work"/system/logs/*.log | sed 's/^[^ ]* //' || true
