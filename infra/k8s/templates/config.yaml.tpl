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
