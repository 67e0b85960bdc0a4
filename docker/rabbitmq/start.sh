#!/bin/sh
# Starts one RabbitMQ node of the compose file: installs the Erlang cookie and the TLS files from the secrets
# (readable by root only on the host) for the rabbitmq user, then hands over to the image's own entrypoint.
set -eu
for f in erlang-cookie broker-ca.pem broker-server.pem broker-server-key.pem; do
    [ -s "/run/secrets/$f" ] || { echo "rabbitmq start: secret '$f' is missing: run docker/make-secrets.sh" >&2; exit 78; }
done
install -d -o rabbitmq -g rabbitmq -m 700 /etc/rabbitmq/tls
install -o rabbitmq -g rabbitmq -m 600 /run/secrets/erlang-cookie /var/lib/rabbitmq/.erlang.cookie
install -o rabbitmq -g rabbitmq -m 644 /run/secrets/broker-ca.pem /etc/rabbitmq/tls/ca.pem
install -o rabbitmq -g rabbitmq -m 644 /run/secrets/broker-server.pem /etc/rabbitmq/tls/server.pem
install -o rabbitmq -g rabbitmq -m 600 /run/secrets/broker-server-key.pem /etc/rabbitmq/tls/server-key.pem
exec docker-entrypoint.sh rabbitmq-server
