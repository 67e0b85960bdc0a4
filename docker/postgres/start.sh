#!/bin/sh
# The region's PostgreSQL with TLS: the server reads its key only when its own user owns it with mode 600, which a
# mounted secret is not, so both files are copied so before the image's own entrypoint starts the server.
set -eu
install -o postgres -g postgres -m 600 /run/secrets/postgres-server-key.pem /var/lib/postgresql/server-key.pem
install -o postgres -g postgres -m 644 /run/secrets/postgres-server.pem /var/lib/postgresql/server.pem
install -o postgres -g postgres -m 644 /opt/refgw-postgres/pg_hba.conf /var/lib/postgresql/pg_hba.conf
exec docker-entrypoint.sh postgres -c ssl=on -c ssl_min_protocol_version=TLSv1.2 \
    -c ssl_cert_file=/var/lib/postgresql/server.pem -c ssl_key_file=/var/lib/postgresql/server-key.pem \
    -c hba_file=/var/lib/postgresql/pg_hba.conf
