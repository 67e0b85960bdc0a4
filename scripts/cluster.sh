#!/usr/bin/env bash
# A private three-node RabbitMQ cluster on loopback, without Docker: each node is a scripts/broker.sh node (its own
# directory and ports) sharing one Erlang cookie, one epmd port, one set of users, certificates and definitions,
# and finding the others through classic-config peer discovery. Quorum queues keep a copy on every node, so any
# one node can stop without losing a message or stopping a queue.
#
#   cluster.sh start DIR             start the nodes (DIR/node1..3, shared files in DIR/shared); writes DIR/env
#   cluster.sh stop DIR              stop every node and the shared epmd
#   cluster.sh stop-node DIR N       stop node N (1-3), as an operator would before maintenance
#   cluster.sh start-node DIR N      start node N again; it rejoins and its queues catch up
#   cluster.sh leader DIR QUEUE      print the number of the node holding QUEUE's leader
#
# DIR/env exports REFGW_CLUSTER_DIR, REFGW_CLUSTER_AMQP_URL (the operator, every node listed), and for each broker
# user REFGW_CLUSTER_AMQP_URL_<USER> and REFGW_CLUSTER_AMQPS_URL_<USER> (TLS), each a comma-separated list of the
# nodes' URLs that clients try in turn; plus REFGW_CA_FILE. It exports the same lists under the names a single
# node's env uses (REFGW_AMQP_URL, REFGW_AMQPS_URL_<USER>, ...), so that whatever runs on one node (system.sh,
# scenario.sh, the tests) runs on the cluster once this env is sourced. Build first (refgw makes the definitions).
set -euo pipefail
cmd=${1:?usage: cluster.sh start|stop|stop-node|start-node|leader DIR [N|QUEUE]}
dir=${2:?usage: cluster.sh start|stop|stop-node|start-node|leader DIR [N|QUEUE]}
here=$(cd "$(dirname "$0")" && pwd)
bin=/usr/lib/rabbitmq/bin
nodes="1 2 3"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

node_number() {
    case ${1:-} in 1 | 2 | 3) echo "$1" ;; *) echo "cluster.sh: node must be 1, 2 or 3, not '${1:-}'" >&2; exit 2 ;; esac
}

# The first start: names, the shared epmd port, then each node in turn (a fresh node joins the running ones).
create() {
    mkdir -p "$dir/shared"
    dir=$(cd "$dir" && pwd)
    local tag epmd peers="" n
    tag=$(basename "$dir" | tr -c 'a-zA-Z0-9\n' '-')-$$
    epmd=$(free_port)
    for n in $nodes; do peers="$peers refgw-$tag-$n@localhost"; done
    echo "$epmd" > "$dir/shared/epmd-port"
    for n in $nodes; do
        REFGW_CLUSTER_SHARED=$dir/shared REFGW_CLUSTER_NODE=refgw-$tag-$n@localhost REFGW_CLUSTER_PEERS=$peers \
            REFGW_CLUSTER_EPMD_PORT=$epmd REFGW_CLUSTER_JOINING=$([ "$n" = 1 ] && echo 0 || echo 1) \
            bash "$here/broker.sh" start "$dir/node$n" > /dev/null
    done
    await_cluster
    # Only now, with every member running, so each quorum queue is created with a replica on each node.
    # shellcheck disable=SC1091
    (source "$dir/node1/node.env" && "$bin/rabbitmqctl" -q import_definitions "$dir/shared/definitions.json" > /dev/null)
}

await_cluster() {
    # shellcheck disable=SC1091
    (source "$dir/node1/node.env" && "$bin/rabbitmqctl" -q await_online_nodes 3 --timeout 60 > /dev/null) || {
        echo "cluster.sh: the three nodes did not form one cluster within 60 s; see $dir/node*/log/" >&2
        exit 1
    }
}

write_env() {
    local n party upper urls tls_urls pw
    # shellcheck disable=SC1091
    source "$dir/node1/env"
    {
        echo "export REFGW_CLUSTER_DIR=$dir"
        echo "export REFGW_CLUSTER_SCRIPT=$here/cluster.sh"
        echo "export REFGW_CA_FILE=$REFGW_CA_FILE"
        for party in refgw-admin victim family safehome perpetrator sanctuary marac gateway refgw-deadletters; do
            pw=$(cat "$dir/shared/passwords/$party.password")
            upper=$(echo "$party" | tr a-z- A-Z_)
            urls="" tls_urls=""
            for n in $nodes; do
                # shellcheck disable=SC1091
                source "$dir/node$n/env"
                urls="$urls${urls:+,}amqp://$party:$pw@127.0.0.1:$REFGW_AMQP_PORT/%2f"
                tls_urls="$tls_urls${tls_urls:+,}amqps://$party:$pw@localhost:$REFGW_AMQPS_PORT/%2f?cacertfile=$REFGW_CA_FILE"
            done
            local suffix=_$upper
            [ "$party" != refgw-admin ] || suffix=""
            for prefix in REFGW_CLUSTER_ REFGW_; do
                echo "export ${prefix}AMQP_URL$suffix='$urls'"
                echo "export ${prefix}AMQPS_URL$suffix='$tls_urls'"
            done
        done
    } > "$dir/env.tmp"
    mv "$dir/env.tmp" "$dir/env"
}

case $cmd in
    start)
        if [ -f "$dir/node1/node.env" ]; then
            # A restart of the whole cluster: each node waits for the others while it boots, so start them together.
            for n in $nodes; do bash "$here/broker.sh" start "$dir/node$n" & done
            wait
        else
            create
        fi
        dir=$(cd "$dir" && pwd)
        await_cluster
        write_env
        echo "three-node cluster running; clients: source $dir/env"
        ;;
    stop)
        [ -d "$dir" ] || exit 0
        for n in $nodes; do bash "$here/broker.sh" stop "$dir/node$n" || true; done
        [ -f "$dir/shared/epmd-port" ] && epmd -port "$(cat "$dir/shared/epmd-port")" -kill > /dev/null 2>&1 || true
        ;;
    stop-node) bash "$here/broker.sh" stop "$dir/node$(node_number "${3:-}")" ;;
    start-node) bash "$here/broker.sh" start "$dir/node$(node_number "${3:-}")" > /dev/null ;;
    leader)
        queue=${3:?usage: cluster.sh leader DIR QUEUE}
        for n in $nodes; do
            # shellcheck disable=SC1091
            leader=$(source "$dir/node$n/node.env" && "$bin/rabbitmqctl" -q list_queues name leader 2> /dev/null | awk -v q="$queue" '$1 == q { print $2 }') || continue
            [ -n "$leader" ] || continue
            for m in $nodes; do
                # shellcheck disable=SC1091
                (source "$dir/node$m/node.env" && [ "$RABBITMQ_NODENAME" = "$leader" ]) && { echo "$m"; exit 0; }
            done
        done
        echo "cluster.sh: no running node knows queue '$queue'" >&2
        exit 1
        ;;
    *) echo "cluster.sh: unknown command '$cmd' (start, stop, stop-node, start-node or leader)" >&2; exit 2 ;;
esac
