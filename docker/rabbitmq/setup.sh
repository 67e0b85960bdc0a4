#!/bin/sh
# Runs once all three nodes are healthy: waits for one cluster of three, imports the definitions that
# `refgw broker definitions` wrote from config/ (users with salted hashes, permissions, exchanges, quorum queues,
# policies), and deletes guest. Safe to run again: the import changes nothing that is already as defined.
set -eu
install -m 600 /run/secrets/erlang-cookie "$HOME/.erlang.cookie"
definitions=/definitions/definitions.json
[ -s "$definitions" ] || { echo "broker-setup: $definitions is missing: the broker-definitions service did not run" >&2; exit 78; }
rabbitmqctl -q -n rabbit@rabbitmq-1 await_online_nodes 3 --timeout 120
rabbitmqctl -q -n rabbit@rabbitmq-1 import_definitions "$definitions"
rabbitmqctl -q -n rabbit@rabbitmq-1 delete_user guest 2> /dev/null || true
# A queue declared before a node joined has no replica there: grow each queue onto every node.
for node in rabbit@rabbitmq-1 rabbit@rabbitmq-2 rabbit@rabbitmq-3; do
    rabbitmq-queues -q -n rabbit@rabbitmq-1 grow "$node" all > /dev/null
done
echo "broker-setup: three nodes, definitions imported, guest removed"
