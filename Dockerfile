# syntax=docker/dockerfile:1
#
# qb-agent container image.
#
#   docker build -t qb-agent:local .
#   docker run --rm -p 9464:9464 -e QB_AGENT_INGEST_TOKENS=change-me qb-agent:local
#
# The agent listens on 0.0.0.0 in the container, so it refuses to start without
# ingest tokens (QB_AGENT_INGEST_TOKENS) unless QB_AGENT_INGEST_ALLOW_ANONYMOUS=true
# says unauthenticated events are fine. See docs/deployment.md.
#
# The entrypoint is the CLI, so other commands run the same way:
#   docker run --rm qb-agent:local check-config
#   docker run --rm qb-agent:local demo --target http://agent:9464

# ---- build: compile TypeScript with the dev dependencies ----------------------
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# npm prebuild bundles the status page (src/status/assets) with build-status-assets.ts; every npm
# script runs through with-node.mjs (which finds this image's Node 24 good enough and uses it).
COPY scripts/with-node.mjs scripts/build-status-assets.ts ./scripts/
RUN npm run build

# ---- runtime: production dependencies and the compiled code only -------------
FROM node:24-bookworm-slim AS runtime

ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="qb-agent" \
      org.opencontainers.image.description="Metrics agent for the quality-billing platform: business events and host metrics through OpenTelemetry, as a Prometheus scrape endpoint and an OTLP push." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"

ENV NODE_ENV=production \
    QB_AGENT_HTTP_HOST=0.0.0.0 \
    QB_AGENT_STATE_DIR=/var/lib/qb-agent

WORKDIR /opt/qb-agent
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency needs an install script, and none gets to run one.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin

# A dedicated system user with a numeric id, so Kubernetes' runAsNonRoot can verify it.
RUN groupadd --system --gid 10001 qb-agent \
 && useradd --system --uid 10001 --gid qb-agent --home-dir /var/lib/qb-agent --no-create-home --shell /usr/sbin/nologin qb-agent \
 && install -d -o qb-agent -g qb-agent -m 0750 /var/lib/qb-agent
USER 10001:10001

# State (deduplication ids, issue 6) survives container restarts in this volume.
VOLUME ["/var/lib/qb-agent"]
EXPOSE 9464

# The agent stops on SIGTERM: it closes the server, pushes a last time and exits 0.
STOPSIGNAL SIGTERM
# No curl in the image: Node's own fetch asks /healthz on the configured port.
# Liveness over the same scheme the agent serves: https when TLS is configured by
# environment (certificate checks are pointless for a loopback liveness probe).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const tls = Boolean(process.env.QB_AGENT_HTTP_TLS_CERT_FILE); const req = require(tls ? 'node:https' : 'node:http').get({ host: '127.0.0.1', port: process.env.QB_AGENT_HTTP_PORT || 9464, path: '/healthz', rejectUnauthorized: false, timeout: 4000 }, (res) => process.exit(res.statusCode === 200 ? 0 : 1)); req.on('error', () => process.exit(1)); req.on('timeout', () => process.exit(1));"]

ENTRYPOINT ["node", "/opt/qb-agent/dist/cli.js"]
CMD ["run"]
