/* global require, module, Buffer, process */
/* eslint-disable @typescript-eslint/no-require-imports -- a Node-RED plugin and settings.js helper are CommonJS */
"use strict";
/**
 * Who is at the dashboard: Dashboard 2 has no users or roles of its own, so this file gives it both.
 *
 * 1. `dashboardAuth(users)` (for settings.js) returns `{ middleware, ioMiddleware }` for the `dashboard`
 *    setting: HTTP Basic authentication of the dashboard pages and of its socket.io connection against the
 *    same user list format as Node-RED's `adminAuth.users` ({username, password: bcrypt hash, permissions}).
 *    permissions "*" is an administrator; anything else (e.g. "read") an operator.
 * 2. The Node-RED plugin exported by this module (type "node-red-dashboard-2") copies the authenticated user
 *    of the socket into `msg._client.user = {username, role}` of every message a widget sends, when the
 *    ui-base has "include client data" on. The browser cannot forge it: it is taken from the socket the
 *    server authenticated, not from the message.
 * The flows then decide (the "ui actions" function of operator-dashboard.json refuses a retry from a
 * non-administrator).
 */
const crypto = require("crypto");

let bcrypt = null;
function loadBcrypt() {
  // bcryptjs ships with Node-RED (it hashes adminAuth passwords); found next to node-red when this
  // package is installed in a user directory.
  if (bcrypt) return bcrypt;
  try {
    bcrypt = require("bcryptjs");
  } catch {
    // require.main is Node-RED's red.js (settings.js and plugins are loaded by it): look next to it
    bcrypt = require(require.resolve("bcryptjs", { paths: [require.main ? require.main.filename : process.cwd()] }));
  }
  return bcrypt;
}

function roleOf(permissions) {
  const list = Array.isArray(permissions) ? permissions : [permissions];
  return list.includes("*") ? "admin" : "operator";
}

/**
 * @param {Array<{username: string, password: string, permissions?: string|string[]}>} users
 * @param {{realm?: string}} [options]
 */
function dashboardAuth(users, options = {}) {
  if (!Array.isArray(users) || users.some((u) => !u || typeof u.username !== "string" || typeof u.password !== "string")) {
    throw new Error("dashboardAuth(users): users must be an array of {username, password (bcrypt hash), permissions}");
  }
  const realm = options.realm || "Field reliability dashboard";
  // A browser sends the Authorization header with every request: verify each distinct header once
  // (bcrypt is slow on purpose). Keyed by a hash so the cache holds no passwords.
  const verified = new Map();

  function userOf(header) {
    if (typeof header !== "string" || !header.startsWith("Basic ")) return null;
    const cacheKey = crypto.createHash("sha256").update(header).digest("hex");
    if (verified.has(cacheKey)) return verified.get(cacheKey);
    const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return null;
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const entry = users.find((u) => u.username === username);
    const user = entry && loadBcrypt().compareSync(password, entry.password) ? { username, role: roleOf(entry.permissions) } : null;
    if (verified.size > 1000) verified.clear();
    verified.set(cacheKey, user);
    return user;
  }

  function middleware(req, res, next) {
    const user = userOf(req.headers.authorization);
    if (!user) {
      res.set("WWW-Authenticate", `Basic realm="${realm}"`);
      res.status(401).send("Authentication required");
      return;
    }
    req.frDashboardUser = user;
    next();
  }

  function ioMiddleware(socket, next) {
    // Same checks as Dashboard 2's default socket middleware (which a custom one replaces): no direct
    // websocket without the polling handshake, same origin only.
    if (socket.client.conn.request.url.indexOf("transport=websocket") !== -1) {
      socket.client.conn.close();
      return;
    }
    if (socket.handshake.xdomain !== false) {
      socket.disconnect(true);
      return;
    }
    const user = userOf(socket.handshake.headers.authorization);
    if (!user) {
      next(new Error("Authentication required"));
      return;
    }
    socket.data.frDashboardUser = user;
    next();
  }

  return { middleware, ioMiddleware };
}

/** Whatever `_client` a browser puts in its message is dropped: only the server says who sent it. */
function dropClientClaims(_conn, _id, msg) {
  if (msg && typeof msg === "object") delete msg._client;
  return msg;
}

function dashboardUsersPlugin(RED) {
  RED.plugins.registerPlugin("fr-dashboard-users", {
    type: "node-red-dashboard-2",
    hooks: {
      onSend: dropClientClaims,
      onAction: dropClientClaims,
      onChange: dropClientClaims,
      onAddConnectionCredentials(conn, msg) {
        const user = conn && conn.data && conn.data.frDashboardUser;
        if (user && msg && typeof msg === "object") {
          msg._client = Object.assign({}, msg._client, { user: { username: user.username, role: user.role } });
        }
        return msg;
      },
    },
  });
  // Without this plugin a browser could put its own msg._client.user in a message; the dashboard flow
  // therefore trusts msg._client.user only when this marker says the plugin is loaded.
  process.env.FR_DASHBOARD_USERS_PLUGIN = "loaded";
}

module.exports = dashboardUsersPlugin;
module.exports.dashboardAuth = dashboardAuth;
