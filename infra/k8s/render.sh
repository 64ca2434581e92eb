#!/usr/bin/env bash
# Print Kubernetes manifests for the enabled CRM modules (+ gateway, ConfigMap,
# optional dev Secret) to stdout. No Helm/kustomize needed:
#
#   infra/k8s/render.sh | kubectl apply -f -
#   MODULES="contacts sales" IMAGE_TAG=1.2.3 infra/k8s/render.sh > crm.yaml
#   infra/k8s/render.sh path/to/other-values.env
#
# Settings come from values.env (or the file given as $1); any of them can be
# overridden from the environment.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VALUES="${1:-$DIR/values.env}"
# shellcheck source=/dev/null
source "$VALUES"

declare -A PORTS=([contacts]=4001 [sales]=4002 [marketing]=4003 [support]=4004 [loyalty]=4005)

# de-duplicate, keep order, validate
enabled=()
for m in ${MODULES//,/ }; do
  [[ -n "${PORTS[$m]:-}" ]] || { echo "render.sh: unknown module '$m' (known: ${!PORTS[*]})" >&2; exit 1; }
  [[ " ${enabled[*]} " == *" $m "* ]] || enabled+=("$m")
done
((${#enabled[@]} > 0)) || { echo "render.sh: MODULES is empty" >&2; exit 1; }

subgraphs=""
for m in "${enabled[@]}"; do
  subgraphs+="${subgraphs:+,}$m=http://$m:${PORTS[$m]}/graphql"
done
MODULES_CSV="$(IFS=,; echo "${enabled[*]}")"

VARS=(NAMESPACE IMAGE_REGISTRY IMAGE_TAG IMAGE_PULL_POLICY CPU_REQUEST MEMORY_REQUEST CPU_LIMIT MEMORY_LIMIT
      KAFKA_BROKERS JWT_SECRET GATEWAY_INTERNAL_SECRET MODULES_CSV DB_ENV
      APP APP_PORT METRICS_PORT APP_REPLICAS COMPONENT SERVICE_TYPE EXTRA_ENV_NAME EXTRA_ENV_VALUE
      RATE_LIMIT_PER_USER RATE_LIMIT_PER_IP TRUST_PROXY READY_PATH)

# Replace ${NAME} for every NAME in VARS; values are escaped for YAML double quotes.
render() {
  local out v val
  out="$(<"$1")"
  for v in "${VARS[@]}"; do
    val="${!v-}"
    val="${val//\\/\\\\}"
    val="${val//\"/\\\"}"
    out="${out//"\${$v}"/"$val"}"
  done
  if [[ "$out" =~ \$\{[A-Za-z_]+\} ]]; then
    echo "render.sh: unresolved placeholder ${BASH_REMATCH[0]} in $1" >&2
    exit 1
  fi
  printf '%s\n' "$out"
}

# A rendered Secret must hold values only the operator knows: no defaults, no examples.
check_secret() {
  local name="$1" val="${!1-}"
  local example="$name=\"\$(openssl rand -base64 32)\""
  [[ "$name" == *_DATABASE_URL ]] && example="$name=postgres://crm_<module>:<password>@<host>:5432/crm (from crm db init)"
  if [[ -z "$val" ]]; then
    echo "render.sh: RENDER_SECRET=true needs $name (e.g. $example), or create the Secret crm-secrets yourself (see values.env)" >&2
    exit 1
  fi
  if [[ "$val" =~ [Cc][Hh][Aa][Nn][Gg][Ee].?[Mm][Ee] || "$val" == dev-*-secret* || "$val" == test-*-secret* ]]; then
    echo "render.sh: $name is a publicly known example value; generate one, e.g. $name=\"\$(openssl rand -base64 32)\"" >&2
    exit 1
  fi
  if [[ "$name" != *_DATABASE_URL && ${#val} -lt 32 ]]; then
    echo "render.sh: $name must be at least 32 characters (e.g. $name=\"\$(openssl rand -base64 32)\")" >&2
    exit 1
  fi
}
# Each module connects as its own least-privilege login (crm db init): <MODULE>_DATABASE_URL.
db_var() { local m="$1"; echo "${m^^}_DATABASE_URL"; }
if [[ "${RENDER_SECRET}" == "true" ]]; then
  for s in JWT_SECRET GATEWAY_INTERNAL_SECRET; do check_secret "$s"; done
  for m in "${enabled[@]}"; do
    v="$(db_var "$m")"
    check_secret "$v"
    if [[ ! "${!v}" =~ ^postgres(ql)?://crm_${m}: ]]; then
      echo "render.sh: $v must log in as the module's own role crm_${m} (see crm db init), never as an admin or another module" >&2
      exit 1
    fi
    if [[ "${!v}" =~ ^postgres(ql)?://[^:/@]+:crm@ ]]; then
      echo "render.sh: $v uses the example password \"crm\"; use a generated one" >&2
      exit 1
    fi
  done
fi

echo "# Rendered by infra/k8s/render.sh - modules: $MODULES_CSV"
render "$DIR/templates/config.yaml.tpl"
if [[ "${RENDER_SECRET}" == "true" ]]; then
  render "$DIR/templates/secret.yaml.tpl"
  for m in "${enabled[@]}"; do
    v="$(db_var "$m")"
    val="${!v}"
    val="${val//\\/\\\\}"
    val="${val//\"/\\\"}"
    printf '  %s: "%s"\n' "$v" "$val"
  done
fi

for m in "${enabled[@]}"; do
  DB_ENV="            - name: DATABASE_URL
              valueFrom:
                secretKeyRef:
                  name: crm-secrets
                  key: $(db_var "$m")
" APP="$m" APP_PORT="${PORTS[$m]}" METRICS_PORT="$((PORTS[$m] + 5000))" APP_REPLICAS="$REPLICAS" COMPONENT=module SERVICE_TYPE=ClusterIP READY_PATH=/health/ready \
    EXTRA_ENV_NAME=DB_SCHEMA EXTRA_ENV_VALUE="$m" render "$DIR/templates/app.yaml.tpl"
done

# The gateway stays in the Service while one module is down (clients get partial answers naming
# it); /health/ready without the parameter answers 503 then, for alerting.
DB_ENV="" APP=gateway APP_PORT=4000 METRICS_PORT=9000 APP_REPLICAS="$GATEWAY_REPLICAS" COMPONENT=gateway SERVICE_TYPE="$GATEWAY_SERVICE_TYPE" READY_PATH="/health/ready?subgraphs=optional" \
  EXTRA_ENV_NAME=SUBGRAPHS EXTRA_ENV_VALUE="$subgraphs" render "$DIR/templates/app.yaml.tpl"
