---
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
  replicas: ${APP_REPLICAS}
  selector:
    matchLabels:
      app.kubernetes.io/name: ${APP}
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
      containers:
        - name: ${APP}
          image: ${IMAGE_REGISTRY}/${APP}:${IMAGE_TAG}
          imagePullPolicy: ${IMAGE_PULL_POLICY}
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
${DB_ENV}            - name: JWT_SECRET
              valueFrom:
                secretKeyRef:
                  name: crm-secrets
                  key: JWT_SECRET
            - name: GATEWAY_INTERNAL_SECRET
              valueFrom:
                secretKeyRef:
                  name: crm-secrets
                  key: GATEWAY_INTERNAL_SECRET
            - name: ${EXTRA_ENV_NAME}
              value: "${EXTRA_ENV_VALUE}"
          startupProbe:
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
              cpu: ${CPU_REQUEST}
              memory: ${MEMORY_REQUEST}
            limits:
              cpu: "${CPU_LIMIT}"
              memory: ${MEMORY_LIMIT}
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
