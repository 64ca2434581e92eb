# syntax=docker/dockerfile:1
# One image recipe for every deployable (the modules and the gateway), built from the repository root:
#   docker build -f infra/docker/app.Dockerfile --build-arg APP_MAIN=services/contacts/src/main.ts \
#     --build-arg APP_PORT=4001 -t crm-contacts .
# docker-compose.yml passes the arguments per service.

FROM node:24-slim AS deps
WORKDIR /app
RUN corepack enable
# Dependencies first, from the lockfile only, so code changes do not refetch packages.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
# pnpm applies patches/ (patchedDependencies) while fetching.
COPY patches ./patches
RUN pnpm fetch --prod
COPY . .
RUN pnpm install --frozen-lockfile --prod --offline

FROM node:24-slim
ARG APP_MAIN
ARG APP_PORT
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=${APP_PORT} \
    APP_MAIN=${APP_MAIN}
WORKDIR /app
COPY --from=deps --chown=node:node /app /app
USER node
EXPOSE ${APP_PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop): services stop consuming, flush the outbox and close pools; the gateway drains
# in-flight requests. `exec` makes node PID 1 so it receives the signal. Services migrate at start.
STOPSIGNAL SIGTERM
CMD ["sh", "-c", "exec node -r @swc-node/register \"$APP_MAIN\""]
