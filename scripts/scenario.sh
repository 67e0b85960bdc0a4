#!/usr/bin/env bash
# The end-to-end scenario, played against a running system (scripts/system.sh start DIR):
# a victim with two children calls the helpline; DASH 16; consent to share with the family service and the
# sanctuary scheme but not safe home; automatic MARAC, family, sanctuary and perpetrator referrals; a refused
# safe-home referral until consent is given; an action plan and the agencies' updates; sanctuary works with
# costs; a poisoned message dead-lettered, and replayed by an administrator (refused again). Prints what each service received.
set -euo pipefail
dir=${1:?usage: scenario.sh DIR}
cd "$(dirname "$0")/.."
bin=${BIN:-$(swift build --show-bin-path)}
export REFGW_HOME=$dir
as() { local party=$1; shift; if [ "$party" = marac ]; then "$bin/marac-coordinator" "$@"; else "$bin/$party-worker" "$@"; fi; }
staff=(--by "Amira Khan" --role IDVA)
# Retries a check for about 30 s; stops the scenario, saying what never happened, if it never passes.
wait_for() {
    local never=$1; shift
    for _ in $(seq 1 300); do
        "$@" && return 0
        sleep 0.1
    done
    echo "scenario: $never" >&2; exit 1
}
inbox_shows() { as "$1" inbox --limit 200 | grep -q -- "$2"; }
# Waits until a service's inbox shows a line matching a pattern.
await() { wait_for "$1 never received '$2'" inbox_shows "$1" "$2"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# The gateway's store, as system.sh chose it: the region's PostgreSQL database, else the machine's SQLite file.
if [ -n "${REFGW_GATEWAY_POSTGRES:-}" ]; then store=(--postgres "$REFGW_GATEWAY_POSTGRES"); else store=(--database "$dir/gateway/gateway.sqlite"); fi
# In a region (a cluster's env sourced, several gateways): the broker node holding gateway.in's leader stops and
# gateway-1 dies (kill -9) while messages are in flight; later both come back. Nothing may be lost or doubled.
in_region() { [ -n "${REFGW_CLUSTER_DIR:-}" ] && [ "${REFGW_GATEWAYS:-1}" -gt 1 ]; }
lose_node_and_gateway() {
    in_region || return 0
    local node
    node=$(bash "$REFGW_CLUSTER_SCRIPT" leader "$REFGW_CLUSTER_DIR" "${REFGW_NAMESPACE:-}gateway.in")
    echo "-- region: broker node $node, holding gateway.in's leader, stops; gateway-1 is killed (kill -9); the updates are in flight"
    kill -KILL "$(cat "$dir/pids/gateway-1")"
    bash "$REFGW_CLUSTER_SCRIPT" stop-node "$REFGW_CLUSTER_DIR" "$node"
    echo "$node" > "$dir/region-lost-node"
}
bring_back_node_and_gateway() {
    in_region && [ -f "$dir/region-lost-node" ] || return 0
    local node
    node=$(cat "$dir/region-lost-node")
    bash "$REFGW_CLUSTER_SCRIPT" start-node "$REFGW_CLUSTER_DIR" "$node"
    bash scripts/system.sh start-one "$dir" gateway-1
    echo "-- region: node $node rejoined the cluster (gateway.in's leader is on node $(bash "$REFGW_CLUSTER_SCRIPT" leader "$REFGW_CLUSTER_DIR" "${REFGW_NAMESPACE:-}gateway.in")) and gateway-1 is back"
    rm -f "$dir/region-lost-node"
}
today=$(date -u +%F)
after() { date -u -d "+$1 days" +%F; }

step "1. Jane calls the helpline; her IDVA records the intake (DASH 16, two children, consent: family and sanctuary)"
intake=$(as victim intake scripts/scenario/jane-intake.json)
echo "$intake"
victim=$(echo "$intake" | sed -n 's/^intake recorded: //p')
perpetrator=$(as victim case "$victim" | awk '/linked: .* perpetrator/ {print $2}')
await family "referral from victim"
await sanctuary "referral from victim"
await perpetrator "referral from victim"
await marac "marac-referral from victim"
await victim "refused (no-consent)"

step "2. What the victim service did (rules applied)"
as victim case "$victim"

step "3. Safe home was refused for want of consent; Jane agrees, and the IDVA refers again"
as victim consent "$victim" --to safehome "${staff[@]}"
as victim refer "$victim" --to safehome --reason "Needs to move to be safe" --need housing --form scripts/scenario/housing.json "${staff[@]}"
await safehome "referral from victim"

step "4. The MARAC meets: an action plan, each agency sees only its own actions"
case_id=$(as marac cases | awk 'NR==1 {print $1}')
as marac plan "$case_id" --meeting "$today" --next "$(after 14)" \
    --action "victim|$(after 7)|Review Jane's safety plan with her" \
    --action "sanctuary|$(after 5)|Fit a door chain and a monitored alarm" \
    --action "family|$(after 7)|Agree a safety plan with the children's school" \
    --action "police|$(after 2)|Flag the address for rapid response"
await victim "marac-action-plan from marac"
await sanctuary "marac-action-plan from marac"
await family "marac-action-plan from marac"
for party in victim family sanctuary; do echo "-- $party sees:"; as "$party" actions; done

step "5. Sanctuary: contact, emergency lock change, works completed with costs"
referral=$(as sanctuary jobs | awk 'NR==1 {print $1}')
as sanctuary contact "$referral" --attempts 1
as sanctuary lock-changed "$referral"
as sanctuary complete "$referral" --item "LOCK:2:8500:Door locks" --item "CHAIN:1:2500:Door chain" --item "ALARM:1:12000:Monitored alarm"
await victim "referral-outcome from sanctuary: referral $referral completed"

step "6. The agencies report on their actions; the coordinator tracks them"
action_of() { as "$1" actions | awk -v c="$case_id" '$1 == c {print $2; exit}'; }
as victim action-update "$case_id" "$(action_of victim)" --status done --note "Safety plan reviewed" "${staff[@]}"
as sanctuary action-update "$case_id" "$(action_of sanctuary)" --status done --note "Chain and alarm fitted" --by "Sam Okafor" --role Installer
as family action-update "$case_id" "$(action_of family)" --status in-progress --by "Priya Shah" --role "Family worker"
lose_node_and_gateway
await marac "marac-action-update from family"
await marac "marac-action-update from sanctuary"
await marac "marac-action-update from victim"
sleep 0.5
as marac actions "$case_id"
echo "-- overdue a fortnight from now:"; as marac overdue --on "$(after 15)"

step "7. A man refers himself to the perpetrator programme; his partner is offered support by the victim service"
as perpetrator intake scripts/scenario/self-referral.json
await victim "referral from perpetrator"

step "8. A poisoned message (changed after signing) is refused and dead-lettered"
"$bin/refgw" drill tampered --key "$dir/keys/victim-dev.key" --url "$REFGW_AMQPS_URL_VICTIM" --subject "$victim"
await victim "refused (bad-signature)"
tampered_kept() { "$bin/refgw" dlq list "${store[@]}" --reason bad-signature | grep -q bad-signature; }
wait_for "the dead-letter keeper never kept the tampered message" tampered_kept
echo "-- what the administrator sees (refgw dlq groups, list, show: personal details masked):"
"$bin/refgw" dlq groups "${store[@]}"
"$bin/refgw" dlq list "${store[@]}"
"$bin/refgw" dlq show "$("$bin/refgw" dlq list "${store[@]}" --reason no-consent | awk 'NR==2 {print $1}')" "${store[@]}" | head -24
echo "-- the administrator replays the tampered message through the gateway: refused again, it stays kept"
"$bin/refgw" dlq replay --group bad-signature --reason "Checking it was not a transient fault" --by "Duty admin" \
    --url "$REFGW_AMQPS_URL_REFGW_DEADLETTERS" "${store[@]}" || true

bring_back_node_and_gateway

step "9. What each service received"
for party in victim family safehome perpetrator sanctuary marac; do
    echo "-- $party inbox:"; as "$party" inbox
done
echo "-- the perpetrator service's record of Mark (no address, phone, school or MARAC detail reaches it):"
as perpetrator case "$perpetrator"
echo "-- the family service's record of Jane and the children:"
as family case "$victim"

step "10. Subject access: who received what about Jane (the gateway's audit trail)"
"$bin/refgw" audit trail "$victim" "${store[@]}"
"$bin/refgw" audit verify "${store[@]}"
echo "$victim" > "$dir/scenario-victim-urc"
