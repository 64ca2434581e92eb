---
apiVersion: v1
kind: Namespace
metadata:
  name: ${NAMESPACE}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: crm-config
  namespace: ${NAMESPACE}
  labels:
    app.kubernetes.io/part-of: crm
data:
  NODE_ENV: production
  KAFKA_BROKERS: "${KAFKA_BROKERS}"
  CRM_MODULES: "${MODULES_CSV}"
  # The apps listen on 127.0.0.1 unless told otherwise; the image sets 0.0.0.0 too, this keeps probes
  # and Services working with any image built from these sources.
  HOST: "0.0.0.0"
  # Metrics listen on METRICS_PORT (PORT + 5000) on the pod IP, for Prometheus; no Service exposes them.
  METRICS_HOST: "0.0.0.0"
  # Gateway: requests per minute per user (tenant + sub) and per client IP. Proxy hops to trust: every
  # component (the gateway and the modules' public routes sit behind the Ingress).
  RATE_LIMIT_PER_USER: "${RATE_LIMIT_PER_USER}"
  RATE_LIMIT_PER_IP: "${RATE_LIMIT_PER_IP}"
  TRUST_PROXY: "${TRUST_PROXY}"
