---
# Applies ${APP}'s pending migrations, then exits; its Deployment runs with RUN_MIGRATIONS=false.
# Apply and wait for it before the Deployment (render.sh PART=migrate, see infra/README.md). A Job's
# pod template is immutable, so the name carries the image tag: a new tag is a new Job.
apiVersion: batch/v1
kind: Job
metadata:
  name: ${JOB_NAME}
  namespace: ${NAMESPACE}
  labels:
    app.kubernetes.io/name: ${APP}-migrate
    app.kubernetes.io/part-of: crm
    app.kubernetes.io/component: migration
spec:
  backoffLimit: 3
  activeDeadlineSeconds: 900
  ttlSecondsAfterFinished: 604800
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${APP}-migrate
        app.kubernetes.io/part-of: crm
        app.kubernetes.io/component: migration
    spec:
      restartPolicy: Never
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 1000
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: migrate
          image: ${IMAGE}
          imagePullPolicy: ${IMAGE_PULL_POLICY}
          command: ["node", "dist/migrate.js"]
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop: [ALL]
          env:
            - name: NODE_ENV
              value: production
${APP_ENV}          resources:
            requests:
              cpu: "${CPU_REQUEST}"
              memory: "${MEMORY_REQUEST}"
            limits:
              cpu: "${CPU_LIMIT}"
              memory: "${MEMORY_LIMIT}"
