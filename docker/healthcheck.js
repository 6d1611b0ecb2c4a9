// Docker health check: healthy when Node-RED's HTTP server answers on its port (any status below 500:
// the editor may answer 401 once users are configured).
"use strict";
const http = require("http");

const port = Number(process.env.PORT || 1880);
const request = http.get({ host: "127.0.0.1", port, path: "/", timeout: 4000 }, (response) => {
  response.resume();
  process.exit(response.statusCode !== undefined && response.statusCode < 500 ? 0 : 1);
});
request.on("timeout", () => request.destroy(new Error("timeout")));
request.on("error", () => process.exit(1));
