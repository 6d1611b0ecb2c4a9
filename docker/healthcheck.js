// Docker health check: healthy when Node-RED's HTTP(S) server answers on its port (any status below 500:
// the editor answers 401 once users are configured).
"use strict";
const http = require("http");
const https = require("https");

const port = Number(process.env.PORT || 1880);
// With NODE_RED_TLS_CERT set Node-RED speaks only HTTPS. The probe connects to 127.0.0.1 inside the container,
// a name the certificate does not carry, sends no credential and reads nothing but the status code: it does
// not verify the certificate (the one place in the package that does not), since it only asks "is the port up".
const secure = Boolean(process.env.NODE_RED_TLS_CERT);
const options = { host: "127.0.0.1", port, path: "/", timeout: 4000 };
if (secure) options.rejectUnauthorized = false;
const request = (secure ? https : http).get(options, (response) => {
  response.resume();
  process.exit(response.statusCode !== undefined && response.statusCode < 500 ? 0 : 1);
});
request.on("timeout", () => request.destroy(new Error("timeout")));
request.on("error", () => process.exit(1));
