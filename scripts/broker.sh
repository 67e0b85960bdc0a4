#!/usr/bin/env bash
# A private RabbitMQ node for tests and the local demo: its own directory, its own ports (AMQP, AMQPS, Erlang
# distribution and epmd), started without systemd, as DESIGN.md's CI rules ask.
#
#   broker.sh start DIR     start (creating DIR, ports, certificates and users on first use); writes DIR/env
#   broker.sh start DIR expired-certificate   the same, but the TLS listener presents a certificate that expired
#                           (for the test that clients refuse it)
#   broker.sh stop DIR      stop the node and its epmd
#   broker.sh restart DIR   stop then start with the same ports and data (messages on disk survive)
#
# DIR/env holds shell exports for clients: REFGW_AMQP_URL, REFGW_AMQPS_URL, REFGW_AMQP[S]_URL_<PARTY>, REFGW_CA_FILE, ...
#
# The node loads its users, permissions, exchanges, queues and bindings at start from DIR/definitions.json, which
# `refgw broker definitions` generates from config/ (least privilege per service, no guest). Passwords are random,
# made on first start, in DIR/passwords (mode 600). Build first: the refgw binary makes the definitions
# ($REFGW_BIN, default .build/debug).
#
# scripts/cluster.sh starts a node as one member of a cluster by setting, before the first start:
#   REFGW_CLUSTER_SHARED     a directory every member shares: passwords, certificates, definitions, Erlang cookie
#   REFGW_CLUSTER_NODE       this node's name;   REFGW_CLUSTER_PEERS   every member's name (classic-config discovery)
#   REFGW_CLUSTER_EPMD_PORT  the one epmd port the members find each other through
#   REFGW_CLUSTER_JOINING=1  for every member but the first: it joins the cluster instead of setting it up
set -euo pipefail
cmd=${1:?usage: broker.sh start|stop|restart DIR}
dir=${2:?usage: broker.sh start|stop|restart DIR}
server_cert=server
[ "${3:-}" = expired-certificate ] && server_cert=expired-server
here=$(cd "$(dirname "$0")" && pwd)
bin=/usr/lib/rabbitmq/bin

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

init_node() {
    mkdir -p "$dir"/{mnesia,log,home}
    dir=$(cd "$dir" && pwd)
    local amqp amqps dist epmd pass refgw shared
    shared=${REFGW_CLUSTER_SHARED:-$dir}
    mkdir -p "$shared/certs"
    shared=$(cd "$shared" && pwd)
    amqp=$(free_port); amqps=$(free_port); dist=$(free_port); epmd=${REFGW_CLUSTER_EPMD_PORT:-$(free_port)}
    refgw=${REFGW_BIN:-$here/../.build/debug}/refgw
    if [ ! -x "$refgw" ]; then
        echo "broker.sh: $refgw is missing: build first (swift build); it generates the broker's definitions" >&2
        exit 1
    fi
    if [ ! -f "$shared/definitions.json" ]; then
        # Test names carry a namespace prefix, so the definitions allow one (a development broker only).
        "$refgw" broker definitions --config "$here/../config" --passwords "$shared/passwords" --create-missing-passwords \
            --test-namespaces --output "$shared/definitions.json"
    fi
    pass=$(cat "$shared/passwords/refgw-admin.password")
    bash "$here/make-test-certs.sh" "$shared/certs"
    if [ -n "${REFGW_CLUSTER_SHARED:-}" ]; then
        # Members of one cluster must share the Erlang cookie (the CLI tools read it from HOME too).
        [ -f "$shared/cookie" ] || { openssl rand -hex 20 > "$shared/cookie"; chmod 400 "$shared/cookie"; }
        install -m 400 "$shared/cookie" "$dir/home/.erlang.cookie"
    fi
    cat > "$dir/node.env" <<ENV
export RABBITMQ_NODENAME=${REFGW_CLUSTER_NODE:-refgw-$(basename "$dir" | tr -c 'a-zA-Z0-9\n' '-')-$$@localhost}
export RABBITMQ_NODE_PORT=$amqp
export RABBITMQ_DIST_PORT=$dist
export ERL_EPMD_PORT=$epmd
export RABBITMQ_MNESIA_BASE=$dir/mnesia
export RABBITMQ_LOG_BASE=$dir/log
export RABBITMQ_PID_FILE=$dir/rabbitmq.pid
export RABBITMQ_CONFIG_FILE=$dir/rabbitmq
export RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins
export HOME=$dir/home
REFGW_AMQPS_PORT=$amqps
REFGW_ADMIN_PASSWORD=$pass
REFGW_SHARED=$shared
REFGW_SHARED_EPMD=${REFGW_CLUSTER_EPMD_PORT:+1}
ENV
    cat > "$dir/rabbitmq.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:$amqp
listeners.ssl.1 = 127.0.0.1:$amqps
ssl_options.cacertfile = $shared/certs/ca.pem
ssl_options.certfile = $shared/certs/${server_cert}.pem
ssl_options.keyfile = $shared/certs/${server_cert}-key.pem
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false
loopback_users = none
log.console = false
log.file.level = warning
CONF
    if [ -z "${REFGW_CLUSTER_PEERS:-}" ]; then
        printf 'definitions.import_backend = local_filesystem\ndefinitions.local.path = %s\n' "$shared/definitions.json" >> "$dir/rabbitmq.conf"
    else
        # A cluster imports its definitions once all members run (cluster.sh), so each queue gets all its replicas.
        echo "cluster_formation.peer_discovery_backend = classic_config" >> "$dir/rabbitmq.conf"
        local i=0 peer
        for peer in $REFGW_CLUSTER_PEERS; do
            i=$((i + 1))
            echo "cluster_formation.classic_config.nodes.$i = $peer" >> "$dir/rabbitmq.conf"
        done
    fi
    [ "${REFGW_CLUSTER_JOINING:-}" != 1 ] || touch "$dir/.initialised"   # the first member set the cluster up
    echo '[].' > "$dir/enabled_plugins"
}

start_node() {
    # shellcheck disable=SC1091
    source "$dir/node.env"
    setsid "$bin/rabbitmq-server" > "$dir/log/server.out" 2>&1 < /dev/null &
    if ! "$bin/rabbitmqctl" wait --timeout 90 "$RABBITMQ_PID_FILE" > "$dir/log/wait.out" 2>&1; then
        echo "broker.sh: the private RabbitMQ node did not start; see $dir/log/" >&2
        tail -20 "$dir/log/server.out" >&2 || true
        exit 1
    fi
}

first_setup() {
    # shellcheck disable=SC1091
    source "$dir/node.env"
    local ctl="$bin/rabbitmqctl -q"
    $ctl add_vhost refgw-locked > /dev/null          # a vhost the admin user has no permission on
    $ctl add_user refgw-nobody "nobody-$REFGW_ADMIN_PASSWORD" > /dev/null   # a user with no permission anywhere
    touch "$dir/.initialised"
}

write_env() {
    # shellcheck disable=SC1091
    source "$dir/node.env"
    cat > "$dir/env" <<ENV
export REFGW_BROKER_DIR=$dir
export REFGW_AMQP_URL='amqp://refgw-admin:$REFGW_ADMIN_PASSWORD@127.0.0.1:$RABBITMQ_NODE_PORT/%2f'
export REFGW_AMQPS_URL='amqps://refgw-admin:$REFGW_ADMIN_PASSWORD@localhost:$REFGW_AMQPS_PORT/%2f'
export REFGW_AMQP_PORT=$RABBITMQ_NODE_PORT
export REFGW_AMQPS_PORT=$REFGW_AMQPS_PORT
export REFGW_ADMIN_PASSWORD='$REFGW_ADMIN_PASSWORD'
export REFGW_CA_FILE=$REFGW_SHARED/certs/ca.pem
export REFGW_OTHER_CA_FILE=$REFGW_SHARED/certs/other-ca.pem
export REFGW_CLIENT_CERT=$REFGW_SHARED/certs/client.pem
export REFGW_CLIENT_KEY=$REFGW_SHARED/certs/client-key.pem
export REFGW_BROKER_SCRIPT=$here/broker.sh
ENV
    local party pw upper
    for party in victim family safehome perpetrator sanctuary marac gateway refgw-deadletters; do
        pw=$(cat "$REFGW_SHARED/passwords/$party.password")
        upper=$(echo "$party" | tr a-z- A-Z_)
        echo "export REFGW_AMQP_URL_$upper='amqp://$party:$pw@127.0.0.1:$RABBITMQ_NODE_PORT/%2f'" >> "$dir/env"
        echo "export REFGW_AMQPS_URL_$upper='amqps://$party:$pw@localhost:$REFGW_AMQPS_PORT/%2f?cacertfile=$REFGW_SHARED/certs/ca.pem'" >> "$dir/env"
    done
}

stop_node() {
    [ -f "$dir/node.env" ] || return 0
    # shellcheck disable=SC1091
    source "$dir/node.env"
    if [ -f "$RABBITMQ_PID_FILE" ]; then
        "$bin/rabbitmqctl" -q stop "$RABBITMQ_PID_FILE" > /dev/null 2>&1 || kill "$(cat "$RABBITMQ_PID_FILE")" 2>/dev/null || true
        rm -f "$RABBITMQ_PID_FILE"
    fi
    # A cluster's members share one epmd; scripts/cluster.sh stops it after the last member.
    [ -n "${REFGW_SHARED_EPMD:-}" ] || epmd -port "$ERL_EPMD_PORT" -kill > /dev/null 2>&1 || true
}

case $cmd in
    start)
        [ -f "$dir/node.env" ] || init_node
        dir=$(cd "$dir" && pwd)
        start_node
        [ -f "$dir/.initialised" ] || first_setup
        write_env
        ;;
    stop) stop_node ;;
    restart) stop_node; start_node ;;
    *) echo "broker.sh: unknown command '$cmd' (start, stop or restart)" >&2; exit 2 ;;
esac
