# syntax=docker/dockerfile:1
# kadmit's container image. The build stage compiles the TypeScript and prunes
# to production dependencies; the runtime stage is distroless Node 24: no
# shell, no package manager, only node, the compiled code and its dependencies,
# run as a numeric non-root user. Pin the base images by digest for releases.
ARG BUILD_IMAGE=node:24-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

FROM ${BUILD_IMAGE} AS build
WORKDIR /app
# Dependencies first, so the layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# The example CRD that builtin:guestbook validates against (serve --crd examples/crds/guestbook.yaml).
COPY examples/crds ./examples/crds
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${RUNTIME_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/bin ./bin
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/examples/crds ./examples/crds
# 65532 is distroless' "nonroot"; numeric so the kubelet can verify runAsNonRoot.
USER 65532:65532
EXPOSE 8443 8080
# bin/kadmit.js runs dist/cli/main.js when it exists, as it does here.
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/kadmit.js", "serve"]
