#!/usr/bin/env bash
# A private PostgreSQL server for tests and the region: its own directory, its own port on loopback, started with
# the server package's own tools (initdb, pg_ctl), not the system's service.
#
#   postgres.sh start DIR   start (creating DIR and the database on first use); writes DIR/env
#   postgres.sh stop DIR    stop the server
#
# DIR/env exports REFGW_POSTGRES_URL (postgres://refgw:PASSWORD@127.0.0.1:PORT/refgw), REFGW_POSTGRES_TLS_URL (the same
# over TLS to localhost, the server's certificate and name checked against DIR/tls/ca.pem: ?sslmode=verify-full&sslrootcert=...) and
# REFGW_POSTGRES_DIR. The password is random, made on first start, in DIR/password (mode 600); the certificates are
# throw-away ones (make-test-certs.sh). Run as root, the server runs as the `nobody` user, as PostgreSQL refuses to
# run as root.
set -euo pipefail
cmd=${1:?usage: postgres.sh start|stop DIR}
dir=${2:?usage: postgres.sh start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "postgres.sh: no PostgreSQL server: run scripts/install-deps.sh (it installs postgresql)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

as_server() {
    if [ "$(id -u)" -eq 0 ]; then
        # `nobody` cannot read every parent of a temp dir everywhere: the data lives in a folder it owns.
        setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$dir" "$@"
    else
        "$@"
    fi
}

case "$cmd" in
start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" -eq 0 ]; then
        # The server runs as `nobody`, which must be able to pass through every folder above its own (a folder
        # from mktemp is private to root): those get o+x, which lets nobody list them.
        up=$(dirname "$dir")
        while [ "$up" != / ]; do
            [ -n "$(find "$up" -maxdepth 0 -perm -o+x)" ] || chmod o+x "$up"
            up=$(dirname "$up")
        done
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        port=$(free_port)
        (umask 077; python3 -c 'import secrets; print(secrets.token_hex(16))' > "$dir/password")
        mkdir -p "$dir/data" "$dir/run"
        bash "$(dirname "$0")/make-test-certs.sh" "$dir/tls"
        [ "$(id -u)" -eq 0 ] && chown -R nobody:nogroup "$dir"
        chmod 700 "$dir/data"
        as_server "$bin/initdb" -D "$dir/data" -U refgw --auth=scram-sha-256 --pwfile="$dir/password" -E UTF8 --locale=C.UTF-8 > "$dir/initdb.log"
        cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/run'
max_connections = 100
fsync = on
synchronous_commit = on
ssl = on
ssl_cert_file = '$dir/tls/server.pem'
ssl_key_file = '$dir/tls/server-key.pem'
CONF
        echo "$port" > "$dir/port"
    fi
    port=$(cat "$dir/port")
    as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start > /dev/null
    if ! PGPASSWORD=$(cat "$dir/password") as_server "$bin/psql" -h 127.0.0.1 -p "$port" -U refgw -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'refgw'" \
        2> /dev/null | grep -q 1; then
        PGPASSWORD=$(cat "$dir/password") as_server "$bin/createdb" -h 127.0.0.1 -p "$port" -U refgw refgw
    fi
    # REFGW_POSTGRES_DIR lets gateway-bench read the server's CPU time (its postmaster.pid).
    printf 'export REFGW_POSTGRES_URL=postgres://refgw:%s@127.0.0.1:%s/refgw\nexport REFGW_POSTGRES_DIR=%s\n' \
        "$(cat "$dir/password")" "$port" "$(cd "$dir" && pwd)" > "$dir/env"
    printf 'export REFGW_POSTGRES_TLS_URL="postgres://refgw:%s@localhost:%s/refgw?sslmode=verify-full&sslrootcert=%s"\n' \
        "$(cat "$dir/password")" "$port" "$dir/tls/ca.pem" >> "$dir/env"
    echo "postgres.sh: PostgreSQL on 127.0.0.1:$port, data in $dir/data"
    ;;
stop)
    [ -f "$dir/data/postmaster.pid" ] || exit 0
    as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop > /dev/null || true
    ;;
*)
    echo "usage: postgres.sh start|stop DIR" >&2
    exit 64
    ;;
esac
