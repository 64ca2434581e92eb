---
# A voluntary disruption (node drain, cluster upgrade) takes at most one pod of ${APP} at a time.
# maxUnavailable rather than minAvailable: with a single replica a drain still proceeds (briefly
# down) instead of blocking forever. A pod that is not ready may always be evicted (Kubernetes ≥ 1.27):
# readiness follows the database and the broker, so during an outage of either every pod is unready,
# and counting them as the one allowed disruption would block every drain until it ended.
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
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      app.kubernetes.io/name: ${APP}
