# The one image: operator, runtime and examples. A user's job image is `FROM` it and adds a module.
# Not built on the development machines (no Docker there); the chart and examples are tested on
# the local node agent, which runs the same commands as local processes with /app mapped to the repo.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY contract ./contract
COPY runtime ./runtime
COPY operator ./operator
COPY examples ./examples
COPY crds ./crds
# The uid the chart and worker pods run as (runAsNonRoot, runAsUser 10001).
USER 10001:10001
ENTRYPOINT ["node", "/app/runtime/cli/exactly.ts"]
CMD ["help"]
