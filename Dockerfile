# Node-RED 4.1 on Node 20 (the official image) with this package, Dashboard 2, the e-mail node, the repo's
# settings.js and the flow templates, which are written into the flows file on the first start only.
#
#   docker build -t field-reliability .
#   docker run -p 127.0.0.1:1880:1880 -v fr-data:/data --env-file .env field-reliability
#     (.env must set FR_ADMIN_PASSWORD_HASH: see SECURITY.md; -e FR_ALLOW_UNAUTHENTICATED=1 starts a trial
#     container without login, with a warning, and only makes sense with the loopback port mapping above)
#   docker compose up -d                   (Node-RED + InfluxDB 2.7 + Mosquitto; see docker-compose.yml)
#
# No secret is baked in: every endpoint, identifier and password comes from the environment at run time
# (see .env.example). settings.js refuses to listen on 0.0.0.0 (as the container does) without users.
# `node scripts/check-docker.js` checks this file and docker-compose.yml where no Docker engine runs.

# Tags of the official image are <Node-RED version>-<Node major> (e.g. 4.1.15-20, see the node-red-docker
# README); the version matches the node-red this repo tests against (package.json devDependencies).
ARG NODE_RED_VERSION=4.1.15
ARG NODE_MAJOR=20

#### build: compile the TypeScript and pack the package as npm would publish it ############################
FROM node:${NODE_MAJOR}-alpine AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the compiler needs the type packages only, not native builds (sharp, serialport);
# those are built for the runtime image's own platform in the stage below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm pack --pack-destination /tmp \
 && mv /tmp/node-red-contrib-field-reliability-*.tgz /tmp/field-reliability.tgz

#### runtime: the official Node-RED image ##################################################################
FROM nodered/node-red:${NODE_RED_VERSION}-${NODE_MAJOR}
ARG DASHBOARD_VERSION=1.31.0
# 3.1.0, not 5.2.5: 5.2.5 bundles a semver its own utf7 does not accept, and `npm ci` refuses its lock file.
ARG EMAIL_VERSION=3.1.0
# The base image's user; stated again so nothing below runs as root.
USER node-red
WORKDIR /usr/src/node-red
# Installed beside node-red in /usr/src/node-red (where the official image keeps node-red itself), not in
# /data: a volume mounted on /data then keeps flows and credentials only, and an image upgrade upgrades
# the nodes. The package ships flows/, dashboards/ and settings.js.
COPY --from=build --chown=node-red:node-red /tmp/field-reliability.tgz /tmp/field-reliability.tgz
RUN npm install --omit=dev --no-audit --no-fund --no-update-notifier \
      /tmp/field-reliability.tgz \
      @flowfuse/node-red-dashboard@${DASHBOARD_VERSION} \
      node-red-node-email@${EMAIL_VERSION} \
 && rm /tmp/field-reliability.tgz \
 && npm cache clean --force
COPY --chown=node-red:node-red docker/entrypoint.sh docker/first-start.js docker/healthcheck.js /usr/src/node-red/field-reliability/

# settings.js reads everything else from the environment (endpoints, SITE, log level, credential secret).
# NODE_RED_HOST: inside the container Node-RED must listen on all interfaces for the published port to
# reach it; docker-compose.yml publishes it on the host's loopback only. settings.js then requires users
# (FR_ADMIN_PASSWORD_HASH, ...) unless FR_ALLOW_UNAUTHENTICATED=1 is given at run time (empty here: refused).
ENV NODE_RED_USER_DIR=/data \
    NODE_RED_HOST=0.0.0.0 \
    FR_ALLOW_UNAUTHENTICATED= \
    PORT=1880 \
    NODE_RED_FLOW_FILE=flows.json \
    FIELD_RELIABILITY_DIR=/usr/src/node-red/node_modules/node-red-contrib-field-reliability \
    TZ=America/Bogota

EXPOSE 1880
# The base image's health check reads /data/settings.js, which this image does not use (settings live in
# the package so an upgrade updates them): check the editor's HTTP port instead.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/usr/src/node-red/field-reliability/healthcheck.js"]
ENTRYPOINT ["/usr/src/node-red/field-reliability/entrypoint.sh"]
