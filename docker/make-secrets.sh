#!/usr/bin/env bash
# Makes the secrets the compose file reads, in docker/secrets/ (git ignores it; mode 600, the folder 700):
#   broker-passwords/<user>.password  one random password per broker user (config/parties.json, the dead-letter
#                                     keeper, the operator), from which `refgw broker definitions` makes salted hashes
#   erlang-cookie                     the cluster's shared secret
#   broker-ca.pem, broker-server.pem, broker-server-key.pem
#                                     a CA and the nodes' certificate (rabbitmq-1, rabbitmq-2, rabbitmq-3)
#   postgres-password                 the region database's password
#   postgres-server.pem, postgres-server-key.pem
#                                     the database's certificate (postgres), signed by the same CA: the gateways and
#                                     keepers connect with sslmode=verify-full against broker-ca.pem
#   signing-keys/<party>.key, trust.json
#                                     each party's Ed25519 signing key (production keys) and the trust file
# It never overwrites a secret that exists, so it can be run again to add what is missing. A real region replaces
# the CA with its own and keeps these files in its secret store; this script is how one is first tried.
# Needs openssl and a refgw binary: REFGW_BIN, else this checkout's build (swift build -c release).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/secrets}
umask 077
mkdir -p "$out/broker-passwords" "$out/signing-keys"
chmod 700 "$out"
refgw=${REFGW_BIN:-$(cd "$here/.." && swift build -c release --show-bin-path 2> /dev/null)/refgw}
[ -x "$refgw" ] || { echo "make-secrets: no refgw binary at $refgw: build first (swift build -c release) or set REFGW_BIN" >&2; exit 1; }

# Letters and digits only (they go into URLs unescaped); cut reads all its input, so nothing dies of SIGPIPE.
random() { openssl rand -base64 $(($1 * 2)) | LC_ALL=C tr -dc 'A-Za-z0-9' | cut -c "1-$1"; }
keep() { [ -s "$1" ] || { random "$2" > "$1"; echo "made $1"; }; }

parties=$(python3 -c 'import json,sys; print(" ".join(p["id"] for p in json.load(open(sys.argv[1]))["parties"]))' "$here/../config/parties.json")
for user in $(python3 -c 'import json,sys; print(" ".join(p["brokerUser"] for p in json.load(open(sys.argv[1]))["parties"]))' "$here/../config/parties.json") \
    refgw-deadletters refgw-admin; do
    keep "$out/broker-passwords/$user.password" 32
done
keep "$out/erlang-cookie" 48
keep "$out/postgres-password" 32

if [ ! -s "$out/broker-server.pem" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    subj="/O=ReferralGateway region"
    openssl req -x509 -newkey rsa:3072 -nodes -days 1825 -keyout "$out/broker-ca-key.pem" -out "$out/broker-ca.pem" \
        -subj "$subj/CN=ReferralGateway broker CA" 2> /dev/null
    printf 'subjectAltName=DNS:rabbitmq-1,DNS:rabbitmq-2,DNS:rabbitmq-3\nextendedKeyUsage=serverAuth\n' > "$tmp/server.ext"
    openssl req -newkey rsa:3072 -nodes -keyout "$out/broker-server-key.pem" -out "$tmp/server.csr" -subj "$subj/CN=rabbitmq" 2> /dev/null
    openssl x509 -req -in "$tmp/server.csr" -CA "$out/broker-ca.pem" -CAkey "$out/broker-ca-key.pem" -CAcreateserial \
        -CAserial "$tmp/ca.srl" -out "$out/broker-server.pem" -days 825 -extfile "$tmp/server.ext" 2> /dev/null
    echo "made $out/broker-ca.pem and the nodes' certificate (keep broker-ca-key.pem offline)"
fi

if [ ! -s "$out/postgres-server.pem" ]; then
    [ -s "$out/broker-ca-key.pem" ] || { echo "make-secrets: broker-ca-key.pem is not here to sign the database's certificate: sign one for DNS:postgres with the region's CA into $out/postgres-server.pem" >&2; exit 1; }
    pgtmp=$(mktemp -d)
    trap 'rm -rf "${tmp:-}" "$pgtmp"' EXIT
    printf 'subjectAltName=DNS:postgres\nextendedKeyUsage=serverAuth\n' > "$pgtmp/pg.ext"
    openssl req -newkey rsa:3072 -nodes -keyout "$out/postgres-server-key.pem" -out "$pgtmp/pg.csr" -subj "/O=ReferralGateway region/CN=postgres" 2> /dev/null
    openssl x509 -req -in "$pgtmp/pg.csr" -CA "$out/broker-ca.pem" -CAkey "$out/broker-ca-key.pem" -CAcreateserial \
        -CAserial "$pgtmp/ca.srl" -out "$out/postgres-server.pem" -days 825 -extfile "$pgtmp/pg.ext" 2> /dev/null
    echo "made $out/postgres-server.pem (the database's certificate)"
fi

for party in $parties; do
    [ -s "$out/signing-keys/$party.key" ] && continue
    id="$party-$(date -u +%Y)-$(random 6 | tr A-Z a-z)"
    "$refgw" keys generate --production --party "$party" --key-id "$id" --key-dir "$out/signing-keys" --trust "$out/trust.json" > /dev/null
    mv "$out/signing-keys/$id.key" "$out/signing-keys/$party.key"
    echo "made $out/signing-keys/$party.key (its public key is in trust.json)"
done
echo "secrets in $out"
