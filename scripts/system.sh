#!/usr/bin/env bash
# Starts or stops the whole system on one machine against a running private broker (scripts/broker.sh): the
# gateway, its dead-letter keeper and the six service workers, each its own process, with development keys made on first start.
#
#   system.sh start DIR    keys and stores under DIR; logs in DIR/logs; process ids in DIR/pids
#   system.sh stop DIR     SIGTERM every process and wait for it (each drains, acknowledges nothing unfinished)
#   system.sh start-one DIR NAME   (re)start one process (gateway or a party) as `start` does, e.g. after a crash
#
# Needs the broker's env sourced (REFGW_AMQPS_URL_<PARTY>, REFGW_CA_FILE) and the products built; BIN names the
# build folder (default: swift build --show-bin-path). Every process talks to the broker over TLS (amqps), each as
# its own least-privilege broker user.
#
# A region (scripts/run.sh --region): source a cluster's env instead (scripts/cluster.sh; each URL lists every
# node), set REFGW_GATEWAY_POSTGRES to the region's database and REFGW_GATEWAYS to how many gateways and keepers to
# run; they are named gateway-1, gateway-2, ... and deadletters-1, ... (in pids/ and logs/, and as --instance).
set -euo pipefail
cmd=${1:?usage: system.sh start|stop DIR}
dir=${2:?usage: system.sh start|stop DIR}
cd "$(dirname "$0")/.."
bin=${BIN:-$(swift build --show-bin-path)}
parties="victim family safehome perpetrator sanctuary marac"
worker() { if [ "$1" = marac ]; then echo marac-coordinator; else echo "$1-worker"; fi; }
gateways=${REFGW_GATEWAYS:-1}
case $gateways in [1-9]) ;; *) echo "system.sh: REFGW_GATEWAYS must be 1 to 9, not '$gateways'" >&2; exit 2 ;; esac
# One gateway and one keeper keep their old names; several are numbered.
if [ "$gateways" = 1 ]; then
    gateway_names=gateway keeper_names=deadletters
else
    gateway_names=$(for i in $(seq 1 "$gateways"); do printf 'gateway-%s ' "$i"; done)
    keeper_names=$(for i in $(seq 1 "$gateways"); do printf 'deadletters-%s ' "$i"; done)
fi
# The gateway's store: the region's PostgreSQL database, else the machine's SQLite file.
if [ -n "${REFGW_GATEWAY_POSTGRES:-}" ]; then
    store=(--postgres "$REFGW_GATEWAY_POSTGRES")
else
    store=(--database "$dir/gateway/gateway.sqlite")
fi
# A numbered process names itself after its number (gateway-2, keeper-2); an unnumbered one takes the default.
instance_of() { case $1 in *-[0-9]) echo "--instance $2-${1##*-}" ;; esac; }

start_one() {
    local name=$1
    case $name in
        deadletters | deadletters-[0-9])
            # shellcheck disable=SC2046
            "$bin/refgw" dlq keep --url "$REFGW_AMQPS_URL_REFGW_DEADLETTERS" "${store[@]}" $(instance_of "$name" keeper) \
                >> "$dir/logs/$name.log" 2>&1 &
            ;;
        gateway | gateway-[0-9])
            # shellcheck disable=SC2046
            "$bin/gateway" --url "$REFGW_AMQPS_URL_GATEWAY" --key "$dir/keys/gateway-dev.key" --trust "$dir/trust.json" \
                "${store[@]}" $(instance_of "$name" gateway) >> "$dir/logs/$name.log" 2>&1 &
            ;;
        *) start_worker "$name" ;;
    esac
    echo $! > "$dir/pids/$name"
}

start_worker() {
    local name=$1
    case " $parties " in *" $name "*) ;; *) echo "system.sh: no process named '$name' (gateway, deadletters or a party)" >&2; exit 2 ;; esac
    local url_var
    url_var="REFGW_AMQPS_URL_$(echo "$name" | tr a-z A-Z)"
    REFGW_HOME="$dir" "$bin/$(worker "$name")" init >> "$dir/logs/$name.log" 2>&1
    REFGW_HOME="$dir" "$bin/$(worker "$name")" run --url "${!url_var}" --timer-interval "${REFGW_TIMER_INTERVAL:-30}" >> "$dir/logs/$name.log" 2>&1 &
}

# Waits until a process has logged that it runs (or has died).
await_running() {
    local name=$1 before=$2
    for _ in $(seq 1 300); do
        [ "$(grep -c "running" "$dir/logs/$name.log" 2> /dev/null || true)" -gt "$before" ] && return 0
        if ! kill -0 "$(cat "$dir/pids/$name")" 2> /dev/null; then
            echo "system.sh: $name did not start:" >&2; tail -5 "$dir/logs/$name.log" >&2; exit 1
        fi
        sleep 0.1
    done
    echo "system.sh: $name did not report running in 30 s" >&2; exit 1
}

start() {
    mkdir -p "$dir/logs" "$dir/pids"
    if [ ! -f "$dir/trust.json" ]; then
        for party in gateway $parties; do
            "$bin/refgw" keys generate --party "$party" --key-id "$party-dev" --key-dir "$dir/keys" --trust "$dir/trust.json" > /dev/null
        done
        echo "development keys (never for production) in $dir/keys"
    fi
    # The broker's definitions hold the standard names; a namespace (tests) is declared by the operator.
    if [ -n "${REFGW_NAMESPACE:-}" ]; then
        # A cluster's URLs name the CA already; a single node's operator URL does not.
        case $REFGW_AMQPS_URL in *cacertfile=*) admin=$REFGW_AMQPS_URL ;; *) admin="$REFGW_AMQPS_URL?cacertfile=$REFGW_CA_FILE" ;; esac
        "$bin/refgw" broker declare --url "$admin" > /dev/null
    fi
    declare -A before
    # shellcheck disable=SC2086
    for name in $gateway_names $keeper_names $parties; do before[$name]=$(grep -c "running" "$dir/logs/$name.log" 2> /dev/null || true); start_one "$name"; done
    # shellcheck disable=SC2086
    for name in $gateway_names $keeper_names $parties; do await_running "$name" "${before[$name]:-0}"; done
    if [ "$gateways" = 1 ]; then
        echo "gateway, dead-letter keeper and six workers running (logs: $dir/logs)"
    else
        echo "$gateways gateways, $gateways dead-letter keepers and six workers running (logs: $dir/logs)"
    fi
}

stop() {
    [ -d "$dir/pids" ] || return 0
    for f in "$dir"/pids/*; do
        [ -f "$f" ] || continue
        kill -TERM "$(cat "$f")" 2> /dev/null || true
    done
    for f in "$dir"/pids/*; do
        [ -f "$f" ] || continue
        pid=$(cat "$f")
        for _ in $(seq 1 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2> /dev/null; then echo "system.sh: $(basename "$f") did not stop in 10 s; killing it" >&2; kill -KILL "$pid" 2> /dev/null || true; fi
        rm -f "$f"
    done
}

case $cmd in
    start) start ;;
    start-one)
        name=${3:?usage: system.sh start-one DIR NAME}
        before=$(grep -c "running" "$dir/logs/$name.log" 2> /dev/null || true)
        start_one "$name"; await_running "$name" "${before:-0}" ;;
    stop) stop ;;
    *) echo "system.sh: unknown command '$cmd' (start or stop)" >&2; exit 2 ;;
esac
