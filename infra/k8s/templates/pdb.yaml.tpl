---
# A voluntary disruption (node drain, cluster upgrade) takes at most one pod of ${APP} at a time.
# maxUnavailable rather than minAvailable: with a single replica a drain still proceeds (briefly
# down) instead of blocking forever.
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${APP}
  namespace: ${NAMESPACE}
  labels:
    app.kubernetes.io/name: ${APP}
    app.kubernetes.io/part-of: crm
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: ${APP}
