# The one image: operator, runtime and examples. A user's job image is `FROM` it and adds a module.
# `make image` builds this file unchanged with buildah (stack/install/image.sh, docs/image.md).
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Source maps, type declarations and READMEs are half of node_modules' bytes and never read at run time.
RUN npm ci --omit=dev --no-audit --no-fund \
 && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.[mc]ts' -o -name '*.md' \) -delete

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
