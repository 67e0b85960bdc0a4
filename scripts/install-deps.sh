#!/usr/bin/env bash
# Installs what the project needs from Debian's packages and PyPI, only what is missing.
set -euo pipefail
# docker-compose only validates docker/ (scripts/check-docker.sh): no Docker engine runs here.
wanted=(rabbitmq-server librabbitmq-dev libssl-dev openssl postgresql docker-compose)
# python3 may come from elsewhere (pyenv): only ask apt for it when there is none at all.
command -v python3 > /dev/null || wanted+=(python3 python3-pip)
missing=()
for pkg in "${wanted[@]}"; do
    dpkg -s "$pkg" > /dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing from Debian: ${missing[*]}"
    $sudo apt-get update -qq
    # The packages would start a system-wide broker and database where systemd runs; this project runs private ones.
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi
if ! python3 -c 'import jsonschema, referencing, rfc3339_validator, yaml' 2> /dev/null; then
    echo "installing from PyPI: jsonschema rfc3339-validator pyyaml"
    python3 -m pip install -q jsonschema rfc3339-validator pyyaml 2> /dev/null \
        || python3 -m pip install -q --break-system-packages jsonschema rfc3339-validator pyyaml
fi
command -v swift > /dev/null || { echo "install-deps: Swift 6 is not on PATH (expected /opt/swift/usr/bin)" >&2; exit 1; }
