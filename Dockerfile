# Node-RED 4.1 (Node 20) with this package, its settings and (as later issues add them) its flows.
# Build:  docker build -t field-reliability .
# Run:    docker run -p 127.0.0.1:1880:1880 -v fr-data:/data field-reliability
# The editor has no login until users are configured (see README): keep the port on loopback until then.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm pack --pack-destination /tmp && mv /tmp/node-red-contrib-field-reliability-*.tgz /tmp/package.tgz

FROM nodered/node-red:4.1-20
WORKDIR /usr/src/node-red
COPY --from=build /tmp/package.tgz /tmp/package.tgz
RUN npm install --omit=dev --no-audit --no-fund --no-update-notifier /tmp/package.tgz && rm /tmp/package.tgz
COPY --chown=node-red:node-red settings.js /data/settings.js
ENV NODE_RED_USER_DIR=/data \
    NODE_RED_HOST=0.0.0.0 \
    FLOWS=flows.json
EXPOSE 1880
