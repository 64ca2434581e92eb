---
# No `replicas`: the HorizontalPodAutoscaler below owns the count (between ${MIN_REPLICAS} and ${MAX_REPLICAS});
# a replicas field here would reset it on every `kubectl apply`.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${APP}
  namespace: ${NAMESPACE}
  labels:
    app.kubernetes.io/name: ${APP}
    app.kubernetes.io/part-of: crm
    app.kubernetes.io/component: ${COMPONENT}
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: ${APP}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  template:
    metadata:
      # Prometheus scrapes the pod's internal metrics port; the Service below exposes only http.
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "${METRICS_PORT}"
        prometheus.io/path: /metrics
      labels:
        app.kubernetes.io/name: ${APP}
        app.kubernetes.io/part-of: crm
        app.kubernetes.io/component: ${COMPONENT}
    spec:
      terminationGracePeriodSeconds: 30
      securityContext:
        # The image's user `node` is uid 1000; a numeric id lets the kubelet verify runAsNonRoot.
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 1000
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: ${APP}
          image: ${IMAGE}
          imagePullPolicy: ${IMAGE_PULL_POLICY}
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop: [ALL]
          ports:
            - name: http
              containerPort: ${APP_PORT}
            - name: metrics
              containerPort: ${METRICS_PORT}
          envFrom:
            - configMapRef:
                name: crm-config
          env:
            - name: PORT
              value: "${APP_PORT}"
            - name: METRICS_PORT
              value: "${METRICS_PORT}"
${APP_ENV}          startupProbe:
            httpGet:
              path: /health/live
              port: http
            periodSeconds: 2
            failureThreshold: 60
          readinessProbe:
            httpGet:
              path: ${READY_PATH}
              port: http
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /health/live
              port: http
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            requests:
              cpu: "${CPU_REQUEST}"
              memory: "${MEMORY_REQUEST}"
            limits:
              cpu: "${CPU_LIMIT}"
              memory: "${MEMORY_LIMIT}"
---
apiVersion: v1
kind: Service
metadata:
  name: ${APP}
  namespace: ${NAMESPACE}
  labels:
    app.kubernetes.io/name: ${APP}
    app.kubernetes.io/part-of: crm
spec:
  type: ${SERVICE_TYPE}
  selector:
    app.kubernetes.io/name: ${APP}
  ports:
    - name: http
      port: ${APP_PORT}
      targetPort: http
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
---
# Needs the metrics API (metrics-server); utilization is relative to the CPU request above.
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${APP}
  namespace: ${NAMESPACE}
  labels:
    app.kubernetes.io/name: ${APP}
    app.kubernetes.io/part-of: crm
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ${APP}
  minReplicas: ${MIN_REPLICAS}
  maxReplicas: ${MAX_REPLICAS}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: ${CPU_TARGET_PERCENT}
