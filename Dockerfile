# syntax=docker/dockerfile:1
# kadmit's container image: an npm install of the kadmit package in /app, as a
# policy project's image builds on it. The build stage packs kadmit (prepack
# compiles it) and installs the tarball with production dependencies only; the
# runtime stage is distroless Node 24: no shell, no package manager, run as a
# numeric non-root user. Pin the base images by digest for releases.
#
# The contract for policy images (FROM this one): /app is the working
# directory; kadmit serve reads /app/kadmit.yaml when it exists; policy modules
# (compiled JavaScript) go in /app/policies and import 'kadmit' from
# /app/node_modules; CRD manifests named in kadmit.yaml go beside it.
ARG BUILD_IMAGE=node:24-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# Dependencies first, so the layer is reused until the lockfile changes.
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json README.md ./
COPY bin ./bin
COPY src ./src
COPY templates ./templates
COPY docs ./docs
COPY examples/crds ./examples/crds
COPY scripts/build.ts ./scripts/build.ts
RUN npm pack --pack-destination /tmp
WORKDIR /app
# type module: the policy modules a policy image adds to /app are ES modules.
RUN echo '{"name":"kadmit-app","private":true,"type":"module"}' > package.json \
  && npm install --omit=dev --no-audit --no-fund /tmp/kadmit-*.tgz \
  && mkdir /node-compile-cache

# Node's compile cache (V8's compiled code of every module kadmit serve loads, in
# the main thread and in the review workers), made once here so that no pod start
# compiles them: a pod's root filesystem is read-only, so Node could not keep a
# cache of its own. V8 takes a cache only from the same node binary and flags, and
# Node keeps one per user: so this stage is the runtime image, as the runtime user,
# running the entrypoint's command with --check (start, serve, stop).
FROM ${RUNTIME_IMAGE} AS compile-cache
WORKDIR /app
COPY --from=build /app /app
COPY --from=build --chown=65532:65532 /node-compile-cache /node-compile-cache
USER 65532:65532
ENV NODE_ENV=production NODE_COMPILE_CACHE=/node-compile-cache
RUN ["/nodejs/bin/node", "/app/node_modules/kadmit/bin/kadmit.js", "serve", "--check", "--cert-dir", "/tmp/check-certs", "--webhook-address", "127.0.0.1:0", "--ops-address", "127.0.0.1:0"]

FROM ${RUNTIME_IMAGE}
WORKDIR /app
ENV NODE_ENV=production NODE_COMPILE_CACHE=/node-compile-cache
COPY --from=build /app /app
# Node writes its cache files readable by their owner only: they stay the runtime user's.
COPY --from=compile-cache --chown=65532:65532 /node-compile-cache /node-compile-cache
# 65532 is distroless' "nonroot"; numeric so the kubelet can verify runAsNonRoot.
USER 65532:65532
EXPOSE 8443 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/node_modules/kadmit/bin/kadmit.js", "serve"]
