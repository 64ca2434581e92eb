# syntax=docker/dockerfile:1
# One image recipe for every deployable (a module or the gateway), built from the repository root:
#   docker build -f infra/docker/app.Dockerfile --build-arg APP=services/contacts --build-arg APP_PORT=4001 -t crm-contacts .
# Stage 1 compiles with SWC (`nx build`), stage 2 prunes to the app's production dependency closure
# (tools/build/deploy.js: `pnpm deploy --prod`, workspace libraries as compiled JavaScript), and the
# runtime image holds only that: plain `node dist/main.js`, no TypeScript, no compiler, no dev tools.
# APP_MAIN (services/<m>/src/main.ts, the older argument) still selects the app when APP is not given.

FROM node:24-slim AS build
WORKDIR /src
RUN corepack enable
# Dependencies first, from the lockfile only, so code changes do not refetch packages.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
# pnpm applies patches/ (patchedDependencies) while fetching.
COPY patches ./patches
RUN pnpm fetch
COPY . .
RUN pnpm install --frozen-lockfile --offline
ARG APP
ARG APP_MAIN
ENV NX_DAEMON=false
# The CLI (tools/cli: `crm db init` in docker-compose) has no build target: it is a development tool that runs
# its TypeScript through SWC, so its image keeps the workspace as it is, with the CLI's compile cache filled
# where the image runs it (the cache is keyed by each file's path: /app, not /src).
RUN app="${APP:-$(dirname "$(dirname "${APP_MAIN:?set APP, e.g. services/contacts}")")}" \
 && if node -e "process.exit(require('./${app}/project.json').targets.build ? 0 : 1)"; then \
      pnpm nx build "$(node -p "require('./${app}/project.json').name")" --outputStyle=static \
      && node tools/build/deploy.js "$app" && mv "out/$(basename "$app")" /app; \
    else cp -a /src /app && node /app/tools/cli/bin/ts-runtime.js precompile; fi

FROM node:24-slim
ARG APP_PORT
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=${APP_PORT}
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE ${APP_PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop): services stop consuming, flush the outbox and close pools; the gateway drains
# in-flight requests. node is PID 1 (exec form), so it receives the signal. A module migrates at start
# unless RUN_MIGRATIONS=false; a migration job runs the same image with `node dist/migrate.js`.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
