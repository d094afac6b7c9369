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
# V8's compiled code of every command's modules, made now so that a new worker loads in half the
# time (runtime/cli/exactly.ts). Node keys the cache by uid: it is made as the uid pods run as,
# then handed to root like the rest of /app (its files are made owner-only: readable again).
ENV NODE_COMPILE_CACHE=/app/.compile-cache
RUN mkdir .compile-cache && chown 10001:10001 .compile-cache
USER 10001:10001
RUN node --input-type=module -e "for (const m of ['runtime/worker/worker.ts', 'operator/main.ts', 'operator/crd-apply.ts', 'runtime/cli/recover.ts', 'runtime/cli/checkpoints.ts', 'runtime/cli/verify.ts', 'runtime/cli/stop-while-loading.ts', 'contract/exit-codes.ts', ...['bank-transfers', 'dedup', 'page-views', 'user-sessions', 'word-count'].map((e) => 'examples/' + e + '/job.ts')]) await import('/app/' + m)" \
 && node /app/runtime/cli/exactly.ts help >/dev/null
USER root
RUN chown -R root:root .compile-cache && chmod -R a+rX .compile-cache
# The uid the chart and worker pods run as (runAsNonRoot, runAsUser 10001).
USER 10001:10001
ENTRYPOINT ["node", "/app/runtime/cli/exactly.ts"]
CMD ["help"]
