#!/usr/bin/env bash
# Stop the broker started by infra/kafka/start.sh (via its pid file).
# Env: CRM_HOME (default <repo>/.crm), KAFKA_STOP_TIMEOUT (default 30s before SIGKILL).
set -euo pipefail
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
CRM_HOME="${CRM_HOME:-$REPO/.crm}"
PID_FILE="$CRM_HOME/kafka/kafka.pid"
TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

if [[ ! -f "$PID_FILE" ]]; then
  echo "[kafka] no pid file ($PID_FILE); not running"
  exit 0
fi
pid="$(cat "$PID_FILE")"
if ! kill -0 "$pid" 2>/dev/null; then
  echo "[kafka] pid $pid not running; removing stale pid file"
  rm -f "$PID_FILE"
  exit 0
fi
if ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka.Kafka'; then
  echo "[kafka] pid $pid is not a kafka.Kafka process; refusing to kill it (removing stale pid file)" >&2
  rm -f "$PID_FILE"
  exit 1
fi
echo "[kafka] stopping broker (pid $pid)"
kill -TERM "$pid"
deadline=$((SECONDS + TIMEOUT))
while kill -0 "$pid" 2>/dev/null; do
  if ((SECONDS >= deadline)); then
    echo "[kafka] still running after ${TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    break
  fi
  sleep 0.2
done
rm -f "$PID_FILE"
echo "[kafka] stopped"
