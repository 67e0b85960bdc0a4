#!/bin/sh
# Builds each ReferralGateway process's connection settings from the compose file's secrets, then runs it.
#   REFGW_BROKER_USER    the broker user this process logs in as (victim, gateway, refgw-deadletters, ...)
#   REFGW_BROKER_HOSTS   the cluster's nodes, tried in turn on connect and reconnect (default rabbitmq-1..3)
#   REFGW_POSTGRES_HOST  the region's database server (gateways and keepers; none for workers)
# Secrets are files (default /run/secrets); no password is ever on a command line or in the image. Compose mounts
# them as the host's files, owner and mode included, so, started as root, this copies the service's own secrets to
# /run/refgw/secrets for the refgw user (mode 600: key files refuse anything looser) and runs the process as that
# user. Commands name the copies: --key /run/refgw/secrets/signing-key-gateway, --trust /run/refgw/secrets/trust.json.
set -eu
from=${REFGW_SECRETS_FROM:-/run/secrets}
secrets=${REFGW_SECRETS:-/run/refgw/secrets}

fail() { echo "refgw-entrypoint: $*" >&2; exit 78; }

if [ "$(id -u)" = 0 ]; then
    install -d -o refgw -g refgw -m 700 "$secrets"
    if [ -d "$from" ]; then
        cp -RL "$from/." "$secrets/"
        chown -R refgw:refgw "$secrets" && chmod -R go-rwx "$secrets"
    fi
    # A worker's state volume is the refgw user's.
    chown refgw:refgw "${REFGW_HOME:-/var/lib/refgw}"
    drop="setpriv --reuid=refgw --regid=refgw --init-groups"
else
    # Already unprivileged (an orchestrator that sets the user): read the secrets where they are mounted.
    [ -d "$secrets" ] || secrets=$from
    drop=""
fi

secret() {
    [ -r "$secrets/$1" ] || fail "secret '$1' is missing: run docker/make-secrets.sh, or mount it at $from/$1"
    value=$(tr -d '\r\n' < "$secrets/$1")
    [ -n "$value" ] || fail "secret '$1' is empty: write the value into docker/secrets (see docker/make-secrets.sh)"
    # Only characters that need no escaping in a URL: make-secrets.sh writes letters and digits.
    case $value in *[!A-Za-z0-9._~-]*) fail "secret '$1' holds characters a URL must escape: use letters, digits, '.', '_', '~' or '-'" ;; esac
    printf '%s' "$value"
}

if [ -n "${REFGW_BROKER_USER:-}" ]; then
    password=$(secret "broker-password-$REFGW_BROKER_USER")
    [ -r "$secrets/broker-ca.pem" ] || fail "secret 'broker-ca.pem' is missing: run docker/make-secrets.sh, or mount it at $from/broker-ca.pem"
    urls=""
    for host in ${REFGW_BROKER_HOSTS:-rabbitmq-1 rabbitmq-2 rabbitmq-3}; do
        urls="$urls${urls:+,}amqps://$REFGW_BROKER_USER:$password@$host:5671/%2f?cacertfile=$secrets/broker-ca.pem"
    done
    upper=$(printf '%s' "$REFGW_BROKER_USER" | tr 'a-z-' 'A-Z_')
    # Each program reads its URL under one of these names: gateway and refgw the first, workers and keepers the second.
    export REFGW_AMQP_URL="$urls"
    export "REFGW_AMQP_URL_$upper=$urls"
fi

if [ -n "${REFGW_POSTGRES_HOST:-}" ]; then
    pg_password=$(secret postgres-password)
    [ -r "$secrets/broker-ca.pem" ] || fail "secret 'broker-ca.pem' is missing: run docker/make-secrets.sh, or mount it at $from/broker-ca.pem"
    # TLS with the database's certificate and name checked against the region's CA: never plain over the network.
    export REFGW_GATEWAY_POSTGRES_URL="postgres://${REFGW_POSTGRES_USER:-refgw}:$pg_password@$REFGW_POSTGRES_HOST:5432/${REFGW_POSTGRES_DB:-refgw}?sslmode=verify-full&sslrootcert=$secrets/broker-ca.pem"
fi

# shellcheck disable=SC2086
exec $drop "$@"
