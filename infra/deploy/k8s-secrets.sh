#!/usr/bin/env bash
# Creates (or updates) the Secrets the Kubernetes manifests reference, from the output of
#   npm run nats:secrets -- --out DIR --hosts nats-0.nats.gantry.svc.cluster.local,nats-1.nats.gantry.svc.cluster.local,nats-2.nats.gantry.svc.cluster.local
# Usage: infra/deploy/k8s-secrets.sh DIR            (applies with kubectl, namespace gantry)
#        infra/deploy/k8s-secrets.sh DIR --print    (prints the Secrets as YAML, applies nothing)
# Never uploads ca.key or the operator's seed. The admin token and the URL-signing key are
# generated into DIR the first time (admin-token, signing-secret) and reused afterwards.
set -euo pipefail
dir=${1:?usage: k8s-secrets.sh DIR [--print]}
mode=${2:-apply}
ns=${GANTRY_NAMESPACE:-gantry}
hosts=(nats-0 nats-1 nats-2)
domain="nats.$ns.svc.cluster.local"

for f in accounts.conf routes.conf ca.pem; do
  [ -f "$dir/$f" ] || { echo "k8s-secrets: $dir/$f is missing (run npm run nats:secrets first)" >&2; exit 1; }
done
umask 077
[ -f "$dir/admin-token" ] || openssl rand -hex 24 | tr -d '\n' > "$dir/admin-token"
[ -f "$dir/signing-secret" ] || openssl rand -base64 32 | tr -d '\n' > "$dir/signing-secret"

secret() { # name, then --from-file arguments
  local name=$1; shift
  local yaml
  yaml=$(kubectl create secret generic "$name" -n "$ns" "$@" --dry-run=client -o yaml)
  if [ "$mode" = "--print" ]; then printf '%s\n---\n' "$yaml"; else printf '%s\n' "$yaml" | kubectl apply -f -; fi
}

tls=(--from-file=ca.pem="$dir/ca.pem")
for h in "${hosts[@]}"; do
  tls+=(--from-file="$h.$domain.pem=$dir/$h.$domain.pem" --from-file="$h.$domain.key=$dir/$h.$domain.key")
done
seeds=()
for id in gateway scheduler billing admin agent provisioner; do seeds+=(--from-file="$id.nk=$dir/seeds/$id.nk"); done

secret nats-accounts --from-file=accounts.conf="$dir/accounts.conf"
secret nats-routes --from-file=routes.conf="$dir/routes.conf"
secret nats-tls "${tls[@]}"
secret gantry-nats-ca --from-file=ca.pem="$dir/ca.pem"
secret gantry-nats-seeds "${seeds[@]}"
secret gantry-admin --from-file=admin-token="$dir/admin-token"
secret gantry-signing --from-file=signing-secret="$dir/signing-secret"
