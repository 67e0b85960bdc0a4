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
set -euo pipefail
cmd=${1:?usage: broker.sh start|stop|restart DIR}
dir=${2:?usage: broker.sh start|stop|restart DIR}
server_cert=server
[ "${3:-}" = expired-certificate ] && server_cert=expired-server
here=$(cd "$(dirname "$0")" && pwd)
bin=/usr/lib/rabbitmq/bin

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

init_node() {
    mkdir -p "$dir"/{mnesia,log,home,certs}
    dir=$(cd "$dir" && pwd)
    local amqp amqps dist epmd pass refgw
    amqp=$(free_port); amqps=$(free_port); dist=$(free_port); epmd=$(free_port)
    refgw=${REFGW_BIN:-$here/../.build/debug}/refgw
    if [ ! -x "$refgw" ]; then
        echo "broker.sh: $refgw is missing: build first (swift build); it generates the broker's definitions" >&2
        exit 1
    fi
    # Test names carry a namespace prefix, so the definitions allow one (a development broker only).
    "$refgw" broker definitions --config "$here/../config" --passwords "$dir/passwords" --create-missing-passwords \
        --test-namespaces --output "$dir/definitions.json"
    pass=$(cat "$dir/passwords/refgw-admin.password")
    bash "$here/make-test-certs.sh" "$dir/certs"
    cat > "$dir/node.env" <<ENV
export RABBITMQ_NODENAME=refgw-$(basename "$dir" | tr -c 'a-zA-Z0-9\n' '-')-$$@localhost
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
ENV
    cat > "$dir/rabbitmq.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:$amqp
listeners.ssl.1 = 127.0.0.1:$amqps
ssl_options.cacertfile = $dir/certs/ca.pem
ssl_options.certfile = $dir/certs/${server_cert}.pem
ssl_options.keyfile = $dir/certs/${server_cert}-key.pem
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false
definitions.import_backend = local_filesystem
definitions.local.path = $dir/definitions.json
loopback_users = none
log.console = false
log.file.level = warning
CONF
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
export REFGW_CA_FILE=$dir/certs/ca.pem
export REFGW_OTHER_CA_FILE=$dir/certs/other-ca.pem
export REFGW_CLIENT_CERT=$dir/certs/client.pem
export REFGW_CLIENT_KEY=$dir/certs/client-key.pem
export REFGW_BROKER_SCRIPT=$here/broker.sh
ENV
    local party pw upper
    for party in victim family safehome perpetrator sanctuary marac gateway refgw-deadletters; do
        pw=$(cat "$dir/passwords/$party.password")
        upper=$(echo "$party" | tr a-z- A-Z_)
        echo "export REFGW_AMQP_URL_$upper='amqp://$party:$pw@127.0.0.1:$RABBITMQ_NODE_PORT/%2f'" >> "$dir/env"
        echo "export REFGW_AMQPS_URL_$upper='amqps://$party:$pw@localhost:$REFGW_AMQPS_PORT/%2f?cacertfile=$dir/certs/ca.pem'" >> "$dir/env"
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
    epmd -port "$ERL_EPMD_PORT" -kill > /dev/null 2>&1 || true
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
