#!/bin/sh
# Container entry point: writes the flow templates into the flows file on the first start (never over a
# flows file the user has deployed), then runs Node-RED in place of this shell so it receives SIGTERM.
set -e
cd /usr/src/node-red
node /usr/src/node-red/field-reliability/first-start.js
exec node $NODE_OPTIONS node_modules/node-red/red.js \
  --userDir "${NODE_RED_USER_DIR:-/data}" \
  --settings "${FIELD_RELIABILITY_DIR}/settings.js" \
  "$@"
