---
# DEV ONLY: rendered because RENDER_SECRET=true. Create crm-secrets out of band in production.
apiVersion: v1
kind: Secret
metadata:
  name: crm-secrets
  namespace: ${NAMESPACE}
  labels:
    app.kubernetes.io/part-of: crm
type: Opaque
stringData:
  JWT_SECRET: "${JWT_SECRET}"
  GATEWAY_INTERNAL_SECRET: "${GATEWAY_INTERNAL_SECRET}"
