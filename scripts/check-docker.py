"""Checks docker/docker-compose.yml against the package and the secrets docker/make-secrets.sh makes.

usage: check-docker.py COMPOSE RABBITMQ_CONF SECRETS BIN
Each failure is one line naming the service or file and what to change; the exit status is 1 if any.
"""
import os
import re
import subprocess
import sys

import yaml

compose_path, conf_path, secrets_dir, bin_dir = sys.argv[1:5]
root = os.path.dirname(os.path.dirname(os.path.abspath(compose_path)))
compose = yaml.safe_load(open(compose_path))
problems = []

products = set(re.findall(r'\.executable\(name: "([^"]+)"', open(os.path.join(root, "Package.swift")).read()))
services = compose["services"]
declared_secrets = compose.get("secrets", {})
image_of_package = None

for name, service in services.items():
    for dependency in service.get("depends_on", {}) or {}:
        if dependency not in services:
            problems.append(f"{name}: depends on '{dependency}', which is not a service of the compose file")
    for secret in service.get("secrets", []) or []:
        source = secret if isinstance(secret, str) else secret["source"]
        if source not in declared_secrets:
            problems.append(f"{name}: mounts secret '{source}', which the compose file does not declare")
    if "build" not in service:
        continue
    image_of_package = image_of_package or service["image"]
    command = service.get("command") or []
    # A worker's command is `sh -c "X init && exec X run ..."`: check each program it names.
    lines = [command] if command[:2] != ["sh", "-c"] else [c.strip().removeprefix("exec ").split() for c in command[2].split("&&")]
    for argv in lines:
        if not argv or argv[0] not in products:
            problems.append(f"{name}: runs '{argv[0] if argv else ''}', which is not an executable product of Package.swift")
            continue
        # The subcommands must exist: `PROGRAM SUB... --help` parses only if they do.
        words = [w for w in argv[1:] if not w.startswith("-")][:2] if argv[0] == "refgw" else [w for w in argv[1:2] if not w.startswith("-")]
        words = [w for w in words if "/" not in w]
        probe = subprocess.run([os.path.join(bin_dir, argv[0]), *words, "--help"], capture_output=True, text=True)
        if probe.returncode != 0:
            problems.append(f"{name}: '{' '.join([argv[0], *words])}' is not a command of {argv[0]}: {probe.stderr.strip()[:200]}")
        help_text = probe.stdout
        for option in [w for w in argv[1:] if w.startswith("--")]:
            if option not in help_text:
                problems.append(f"{name}: {' '.join([argv[0], *words])} has no option {option}")

for name, secret in declared_secrets.items():
    relative = secret.get("file", "")
    if not relative.startswith("./secrets/"):
        problems.append(f"secret {name}: its file {relative} is not under docker/secrets/, where make-secrets.sh writes")
        continue
    if not os.path.exists(os.path.join(secrets_dir, relative.removeprefix("./secrets/"))):
        problems.append(f"secret {name}: docker/make-secrets.sh does not make {relative}")

for name in ["rabbitmq-1", "rabbitmq-2", "rabbitmq-3", "postgres"]:
    if name not in services:
        problems.append(f"the region needs a service '{name}'")
    elif "healthcheck" not in services[name]:
        problems.append(f"{name}: has no healthcheck, so nothing waits for it to be ready")
for kind, want in [("gateway", 2), ("keeper", 2)]:
    have = [n for n in services if n.startswith(kind + "-")]
    if len(have) < want:
        problems.append(f"the region runs {want} {kind}s; the compose file has {len(have)}")

conf = dict(
    (k.strip(), v.strip())
    for k, v in (line.split("=", 1) for line in open(conf_path) if "=" in line and not line.lstrip().startswith("#"))
)
if conf.get("listeners.tcp") != "none" or any(k.startswith("listeners.tcp.") for k in conf):
    problems.append(f"{conf_path}: a plain AMQP listener is open: set 'listeners.tcp = none'")
if not any(k.startswith("listeners.ssl.") for k in conf):
    problems.append(f"{conf_path}: no TLS listener: set 'listeners.ssl.default = 5671'")
if conf.get("loopback_users") == "none" or conf.get("loopback_users.guest") == "false":
    problems.append(f"{conf_path}: guest may log in from the network: remove the loopback_users override")
if conf.get("ssl_options.verify") != "verify_peer":
    problems.append(f"{conf_path}: set 'ssl_options.verify = verify_peer'")

for p in problems:
    print("check-docker: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
