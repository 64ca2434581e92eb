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
