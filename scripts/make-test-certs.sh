#!/usr/bin/env bash
# Makes a throw-away certificate authority and certificates for local and test brokers:
#   ca.pem / ca-key.pem            the CA every local process trusts
#   server.pem / server-key.pem    the broker's certificate (localhost, 127.0.0.1)
#   client.pem / client-key.pem    a client certificate signed by the same CA
#   other-ca.pem                   an unrelated CA, to prove that trusting the wrong CA is refused
#   expired-server.pem / -key.pem  a broker certificate that expired yesterday
# These are for development and tests only: never use them for a real deployment.
set -euo pipefail
dir=${1:?usage: make-test-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
[ -f ca.pem ] && exit 0
subj="/O=ReferralGateway development (NOT FOR PRODUCTION)"
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout ca-key.pem -out ca.pem -subj "$subj/CN=refgw dev CA" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout other-ca-key.pem -out other-ca.pem -subj "$subj/CN=unrelated CA" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
printf 'extendedKeyUsage=clientAuth\n' > client.ext
issue() { # name cn extfile days-or-dates
    openssl req -newkey rsa:2048 -nodes -keyout "$1-key.pem" -out "$1.csr" -subj "$subj/CN=$2" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out "$1.pem" -extfile "$3" "${@:4}" 2>/dev/null
    rm -f "$1.csr"
}
issue server localhost server.ext -days 825
issue client refgw-client client.ext -days 825
# An expired certificate: valid for one day, two days ago, issued through `openssl ca` which takes explicit dates.
touch index.txt; echo 01 > serial.txt
openssl req -newkey rsa:2048 -nodes -keyout expired-server-key.pem -out expired.csr -subj "$subj/CN=localhost" 2>/dev/null
openssl ca -batch -config <(printf '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial.txt\ndefault_md=sha256\npolicy=p\ncopy_extensions=copy\n[p]\nCN=supplied\n') \
    -cert ca.pem -keyfile ca-key.pem -in expired.csr -out expired-server.pem -notext \
    -startdate "$(date -u -d '2 days ago' +%Y%m%d%H%M%SZ)" -enddate "$(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)" \
    -extfile server.ext 2>/dev/null < /dev/null || true
rm -f expired.csr index.txt* serial.txt* ./*.srl 01.pem
chmod 600 ./*-key.pem
