---
${REPLICAS_NOTE}apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${APP}
  namespace: ${NAMESPACE}
  labels:
    app.kubernetes.io/name: ${APP}
    app.kubernetes.io/part-of: crm
    app.kubernetes.io/component: ${COMPONENT}
spec:
${REPLICAS_FIELD}  selector:
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
