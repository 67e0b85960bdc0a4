#!/usr/bin/env bash
# Checks docker/ without a Docker engine (none runs on the build machines): the compose file is valid to
# docker-compose, every service it runs is a product of Package.swift with a command that parses, every secret it
# mounts is one docker/make-secrets.sh makes, the broker configuration has no plain listener, and the image's
# entrypoint builds each process's URLs from its secrets (and refuses a missing one with a clear error).
#   check-docker.sh BIN     BIN: the folder of built products (swift build --show-bin-path)
set -euo pipefail
bin=${1:?usage: check-docker.sh BIN}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

docker-compose -f docker/docker-compose.yml config -q
# The secrets a newcomer makes, into a folder of this check's own.
REFGW_BIN="$bin/refgw" bash docker/make-secrets.sh "$work/secrets" > /dev/null
python3 scripts/check-docker.py docker/docker-compose.yml docker/rabbitmq/rabbitmq.conf "$work/secrets" "$bin"

# The entrypoint, run unprivileged on a fake secrets folder: it must build three TLS URLs and the database URL.
entry() {
    env -i PATH="$PATH" REFGW_SECRETS_FROM="$work/secrets-mounted" REFGW_SECRETS="$work/none" "$@"
}
mkdir -p "$work/secrets-mounted"
cp "$work/secrets/broker-passwords/victim.password" "$work/secrets-mounted/broker-password-victim"
cp "$work/secrets/broker-ca.pem" "$work/secrets/postgres-password" "$work/secrets-mounted/"
chmod -R a+rX "$work"
as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
[ "$(id -u)" = 0 ] || as_nobody=()
out=$(entry REFGW_BROKER_USER=victim REFGW_POSTGRES_HOST=postgres "${as_nobody[@]}" sh docker/refgw-entrypoint.sh env)
python3 - "$out" "$(cat "$work/secrets/broker-passwords/victim.password")" "$work/secrets-mounted" <<'PY'
import sys
env = dict(line.split("=", 1) for line in sys.argv[1].splitlines() if "=" in line)
password, folder = sys.argv[2], sys.argv[3]
urls = env.get("REFGW_AMQP_URL_VICTIM", "").split(",")
want = [f"amqps://victim:{password}@rabbitmq-{n}:5671/%2f?cacertfile={folder}/broker-ca.pem" for n in (1, 2, 3)]
assert urls == want, f"check-docker: the entrypoint's broker URLs are {urls}, not {want}"
assert env.get("REFGW_AMQP_URL") == env["REFGW_AMQP_URL_VICTIM"], "check-docker: REFGW_AMQP_URL differs from the user's URL list"
assert env.get("REFGW_GATEWAY_POSTGRES_URL", "").startswith("postgres://refgw:") and env["REFGW_GATEWAY_POSTGRES_URL"].endswith(f"@postgres:5432/refgw?sslmode=verify-full&sslrootcert={folder}/broker-ca.pem"), \
    "check-docker: the entrypoint's database URL is wrong"
PY
if err=$(entry REFGW_BROKER_USER=family "${as_nobody[@]}" sh docker/refgw-entrypoint.sh true 2>&1); then
    echo "check-docker: the entrypoint ran a process whose broker password is missing" >&2; exit 1
fi
case $err in *"secret 'broker-password-family' is missing"*) ;; *) echo "check-docker: unclear error for a missing secret: $err" >&2; exit 1 ;; esac
echo "docker/: compose file, services, secrets, broker configuration and entrypoint check out"
