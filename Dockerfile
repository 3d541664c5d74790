# cronfleet: one image for the server and the agent.
#   docker build -t cronfleet .
#   docker run -p 8080:8080 cronfleet                    # cronfleet server (SQLite in /var/lib/cronfleet)
#   docker run cronfleet executor --server http://scheduler:8080 --token cfe_...
# Settings come from CRONFLEET_* variables (README "Configuration", "Executor settings").

# Build: the dev tools compile the server (dist/) and the console (web/dist/).
FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.sdk.json ./
COPY src ./src
COPY web ./web
COPY scripts ./scripts
RUN npm run build && npm run build:web && find dist -name '*.map' -delete

# Runtime: Node 24, the production dependencies, the compiled program; no compiler, no sources.
FROM node:24-slim
ENV NODE_ENV=production \
    CRONFLEET_DATA_DIR=/var/lib/cronfleet \
    CRONFLEET_HOST=0.0.0.0 \
    CRONFLEET_PORT=8080
WORKDIR /opt/cronfleet
COPY package.json package-lock.json ./
# prepare finds no dev tools here and builds nothing (the build stage did).
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY --from=build /src/dist ./dist
COPY --from=build /src/web/dist ./web/dist
COPY --from=build /src/web/dist-server ./web/dist-server
COPY deploy/docker/healthcheck.mjs ./healthcheck.mjs
RUN ln -s /opt/cronfleet/bin/cronfleet /usr/local/bin/cronfleet \
 && groupadd --system --gid 10001 cronfleet \
 && useradd --system --uid 10001 --gid cronfleet --home-dir /var/lib/cronfleet --shell /usr/sbin/nologin cronfleet \
 && mkdir -p /var/lib/cronfleet /etc/cronfleet \
 && chown cronfleet:cronfleet /var/lib/cronfleet /etc/cronfleet
USER cronfleet
WORKDIR /var/lib/cronfleet
VOLUME /var/lib/cronfleet
EXPOSE 8080
# /healthz for a server; an agent (no HTTP port) is healthy while its process runs.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/opt/cronfleet/healthcheck.mjs"]
ENTRYPOINT ["cronfleet"]
CMD ["server"]
