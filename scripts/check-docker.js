#!/usr/bin/env node
// Checks the Docker files where no Docker engine runs and no image can be pulled (CI, these machines):
// docker-compose.yml parses and has the expected services, health checks and wiring; every variable it
// reads is documented in .env.example; Node-RED receives every variable the flow templates and the
// integration contract name; no secret is written into the compose file, .env.example or the Dockerfile;
// the Dockerfile builds from the official Node-RED 4.1 / Node 20 image, copies only files that exist and
// are not excluded by .dockerignore, runs as the node-red user and exposes 1880.
//
//   node scripts/check-docker.js [repo root]     prints each problem; exit status 1 when there is one
//
// What it cannot check without an engine: that the images pull, the build succeeds and the stack starts.
"use strict";
const fs = require("fs");
const path = require("path");
// js-yaml (the YAML parser Node-RED, mocha and ESLint already use): compose files are YAML with anchors,
// flow and block styles; a hand-written reader would accept a subset and miss real syntax errors.
const yaml = require("js-yaml");

const EXPECTED_SERVICES = ["node-red", "influxdb", "mosquitto", "ftp"];
const OPTIONAL_SERVICES = ["ftp"]; // behind a compose profile
/** Variable names that hold secrets: they may never have a value in a committed file. */
const SECRET_NAME = /(PASSWORD|PASSWD|TOKEN|SECRET|API_KEY|PRIVATE_KEY|_PIN$)/i;
/** The official image's tags are <Node-RED version>-<Node major>[-minimal]; this package targets 4.1 on Node 20. */
const BASE_IMAGE = /^nodered\/node-red:(4\.1)(\.\d+)?-(20)(-minimal)?$/;
const REQUIRED_PACKAGES = ["@flowfuse/node-red-dashboard", "node-red-node-email"];
const NODE_RED_PORT = "1880";

/** `${NAME}`, `${NAME:-default}`, `${NAME?err}`… and `$NAME` references in a compose string ($$ is a literal $). */
function interpolationRefs(text) {
  const refs = [];
  const unescaped = text.replace(/\$\$/g, "");
  const pattern = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
  for (const match of unescaped.matchAll(pattern)) {
    refs.push({ name: match[1] ?? match[4], operator: match[2] ?? "", operand: match[3] ?? "" });
  }
  return refs;
}

/** Every string in a parsed YAML/JSON value, with the path of keys leading to it. */
function* strings(value, at = []) {
  if (typeof value === "string") yield { text: value, at };
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* strings(value[i], [...at, String(i)]);
  else if (value && typeof value === "object") for (const [key, inner] of Object.entries(value)) yield* strings(inner, [...at, key]);
}

/** A service's environment as a map, whether written as a mapping or as a list of NAME=value. */
function environmentOf(service) {
  const env = service.environment;
  if (!env) return {};
  if (Array.isArray(env)) {
    const out = {};
    for (const entry of env) {
      const text = String(entry);
      const eq = text.indexOf("=");
      out[eq < 0 ? text : text.slice(0, eq)] = eq < 0 ? null : text.slice(eq + 1);
    }
    return out;
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? null : String(value)]));
}

/** KEY=value lines of an env file (comments and blank lines skipped; surrounding quotes removed). */
function parseEnvFile(text) {
  const vars = new Map();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new Error(`.env.example: cannot read the line "${line}" (expected NAME=value)`);
    vars.set(match[1], match[2].replace(/^(['"])(.*)\1$/, "$2"));
  }
  return vars;
}

/**
 * The process environment variables the flow templates and the Dashboard 2 flows read: a property whose value is `${NAME}`,
 * `env.get("NAME")` in function code, `$env("NAME")` in JSONata and typed inputs of type env. A tab, group
 * or subflow may define its own variables (its env list), which shadow the process's for the nodes in it:
 * those names are not required from the process, except where such a variable is itself of type env
 * (its value then names a process variable).
 */
function templateVariables(root) {
  const found = new Map(); // name -> first file using it
  const files = [];
  const collect = (dir, recursive) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && recursive) collect(full, true);
      else if (entry.isFile() && entry.name.endsWith(".json")) files.push(full);
    }
  };
  // What the image writes into the flows file on the first start (docker/first-start.js): Dashboard 2 only,
  // the dashboard the image installs.
  collect(path.join(root, "flows"), false);
  collect(path.join(root, "dashboards", "dashboard2"), false);
  // Node-RED replaces a property whose whole value is ${NAME} (or the older $(NAME)), nothing embedded in
  // a longer string: `${x}` inside function code is a JavaScript template literal, not a variable.
  const patterns = [/^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/g, /^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$/g, /\benv\.get\(\s*["'`]([A-Za-z_][A-Za-z0-9_]*)["'`]\s*\)/g, /\$env\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\)/g];
  for (const file of files) {
    const nodes = JSON.parse(fs.readFileSync(file, "utf8"));
    if (!Array.isArray(nodes)) continue; // label tables and other data beside the flows
    const rel = path.relative(root, file);
    const byId = new Map(nodes.filter((n) => n && typeof n === "object").map((n) => [n.id, n]));
    /** Names defined by the node itself and by the tabs, groups and subflows around it. */
    const scopeOf = (node) => {
      const names = new Set();
      const seen = new Set();
      const pending = [node];
      while (pending.length) {
        const current = pending.pop();
        if (!current || seen.has(current.id)) continue;
        seen.add(current.id);
        if (Array.isArray(current.env)) for (const property of current.env) if (property && property.type !== "env") names.add(property.name);
        for (const parent of [current.z, current.g]) if (parent && byId.has(parent)) pending.push(byId.get(parent));
      }
      return names;
    };
    const note = (name, scope) => {
      if (!scope.has(name) && !found.has(name)) found.set(name, rel);
    };
    for (const node of nodes) {
      if (!node || typeof node !== "object") continue;
      const scope = scopeOf(node);
      for (const { text } of strings(node)) for (const pattern of patterns) for (const match of text.matchAll(pattern)) note(match[1], scope);
      for (const property of Array.isArray(node.env) ? node.env : []) {
        if (property && property.type === "env" && typeof property.value === "string") note(property.value, new Set());
      }
      for (const [key, value] of Object.entries(node)) {
        const field = key.endsWith("Type") ? key.slice(0, -"Type".length) : null;
        if (field && value === "env" && typeof node[field] === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(node[field])) note(node[field], scope);
      }
    }
  }
  return found;
}

/** The variable names listed under "Environment variables read by the templates" in the integration contract. */
function contractVariables(root) {
  const file = path.join(root, "docs", "integration-contract.md");
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, "utf8");
  const start = text.search(/^## Environment variables read by the templates/m);
  if (start < 0) return [];
  const rest = text.slice(start).split("\n").slice(1).join("\n");
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  // Parenthesised text lists a variable's values (`v1`|`v2`, `BASIC`), not more variables.
  const names = section.replace(/\([^)]*\)/g, "");
  return [...new Set([...names.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]))];
}

/** The variables settings.js reads (process.env.NAME / process.env["NAME"]). */
function settingsVariables(root) {
  const file = path.join(root, "settings.js");
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, "utf8");
  return [...new Set([...text.matchAll(/process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\])/g)].map((m) => m[1] ?? m[2]))];
}

/**
 * Variables the package's own code sets in the Node-RED process (`process.env.NAME = …`, e.g. the Dashboard 2
 * users plugin announcing itself): the flows read them, but nobody has to pass them in.
 */
function variablesSetByPackageCode(root) {
  const names = new Set();
  const files = [path.join(root, "settings.js")];
  const dashboardDir = path.join(root, "dashboards", "dashboard2");
  if (fs.existsSync(dashboardDir)) for (const name of fs.readdirSync(dashboardDir)) if (/\.(c?js)$/.test(name)) files.push(path.join(dashboardDir, name));
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, "utf8");
    for (const match of text.matchAll(/process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\])\s*(?:\?\?|\|\||&&)?=(?!=)/g)) names.add(match[1] ?? match[2]);
  }
  return names;
}

/** Dockerfile instructions: comments dropped, continuation lines joined. */
function dockerInstructions(text) {
  const out = [];
  let current = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!current && (line === "" || line.startsWith("#"))) continue;
    if (current && line.startsWith("#")) continue; // comment inside a continued instruction
    if (line.endsWith("\\")) {
      current += line.slice(0, -1) + " ";
      continue;
    }
    current += line;
    const match = /^(\S+)\s*(.*)$/.exec(current.trim());
    if (match) out.push({ keyword: match[1].toUpperCase(), args: match[2] });
    current = "";
  }
  return out;
}

/** Replaces $NAME and ${NAME} / ${NAME:-default} by the values known (ARG defaults). */
function substitute(text, vars) {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced, fallback, bare) => {
    const name = braced ?? bare;
    return vars.has(name) && vars.get(name) !== "" ? vars.get(name) : fallback ?? "";
  });
}

/** NAME=value pairs of an ARG or ENV instruction (ENV also accepts the old "NAME value" form). */
function assignments(args, keyword) {
  const pairs = [];
  if (keyword === "ENV" && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const match = /^(\S+)\s+(.*)$/.exec(args);
    if (match) pairs.push([match[1], match[2]]);
    return pairs;
  }
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("[^"]*"|'[^']*'|\S*))?/g)) {
    pairs.push([match[1], match[2] === undefined ? undefined : match[2].replace(/^(['"])(.*)\1$/, "$2")]);
  }
  return pairs;
}

/** The source paths of a COPY/ADD (flags removed; JSON form accepted); null for a copy from another stage. */
function copySources(args) {
  const words = args.trim().startsWith("[") ? JSON.parse(args) : args.trim().split(/\s+/);
  const rest = [];
  for (const word of words) {
    if (word.startsWith("--from=")) return null;
    if (!word.startsWith("--")) rest.push(word);
  }
  return rest.slice(0, -1);
}

/** .dockerignore patterns as matchers (Go filepath.Match wildcards, ** for any depth, ! re-includes). */
function dockerIgnore(root) {
  const file = path.join(root, ".dockerignore");
  if (!fs.existsSync(file)) return { patterns: [], ignored: () => false };
  const patterns = fs
    .readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const negate = line.startsWith("!");
      const body = path.posix.normalize((negate ? line.slice(1) : line).replace(/^\/+/, "")).replace(/\/+$/, "");
      const source = body
        .split("/")
        .map((part) => (part === "**" ? ".*" : part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")))
        .join("/");
      return { text: line, negate, regex: new RegExp(`^${source}(/.*)?$`) };
    });
  // The last matching pattern decides, as in Docker.
  const ignored = (rel) => patterns.reduce((state, p) => (p.regex.test(rel) ? !p.negate : state), false);
  return { patterns, ignored };
}

/** Files (relative, posix) a COPY source names: the path itself, or the matches of a wildcard in its last part. */
function expandSource(root, source) {
  const rel = path.posix.normalize(source.replace(/^\.?\/+/, "")) || ".";
  if (!/[*?[]/.test(rel)) return fs.existsSync(path.join(root, rel)) ? [rel] : [];
  const dir = path.posix.dirname(rel);
  const base = path.posix.basename(rel);
  const regex = new RegExp(`^${base.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);
  const full = path.join(root, dir);
  if (!fs.existsSync(full)) return [];
  return fs
    .readdirSync(full)
    .filter((name) => regex.test(name))
    .map((name) => (dir === "." ? name : `${dir}/${name}`));
}

function checkDockerfile(root, problems) {
  const file = path.join(root, "Dockerfile");
  if (!fs.existsSync(file)) {
    problems.push("Dockerfile: missing");
    return new Set();
  }
  const instructions = dockerInstructions(fs.readFileSync(file, "utf8"));
  const globalArgs = new Map();
  const stages = [];
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      stages.push({ from: ins.args, args: new Map(), body: [] });
      continue;
    }
    if (stages.length === 0) {
      if (ins.keyword === "ARG") for (const [name, value] of assignments(ins.args, "ARG")) globalArgs.set(name, value ?? "");
      continue;
    }
    stages[stages.length - 1].body.push(ins);
  }
  if (stages.length === 0) {
    problems.push("Dockerfile: no FROM");
    return new Set();
  }
  const ignore = dockerIgnore(root);
  for (const stage of stages) {
    const vars = new Map(globalArgs);
    for (const ins of stage.body) {
      if (ins.keyword === "ARG" || ins.keyword === "ENV") {
        for (const [name, value] of assignments(ins.args, ins.keyword)) {
          if (value !== undefined) vars.set(name, substitute(value, vars));
          else if (!vars.has(name)) vars.set(name, "");
          if (SECRET_NAME.test(name) && value !== undefined && value !== "") problems.push(`Dockerfile: ${ins.keyword} ${name} bakes a secret into the image: pass it at run time`);
        }
      }
      if (ins.keyword === "COPY" || ins.keyword === "ADD") {
        const sources = copySources(substitute(ins.args, vars));
        if (sources === null) continue;
        for (const source of sources) {
          if (/^https?:\/\//.test(source)) continue;
          const matches = expandSource(root, source);
          if (matches.length === 0) problems.push(`Dockerfile: ${ins.keyword} source ${source} does not exist in the repo`);
          for (const match of matches) {
            if (match !== "." && ignore.ignored(match)) problems.push(`Dockerfile: ${ins.keyword} source ${match} is excluded by .dockerignore`);
            if (/(^|\/)\.env$/.test(match)) problems.push(`Dockerfile: ${ins.keyword} copies ${match}, a secrets file`);
          }
        }
      }
    }
    stage.vars = vars;
  }
  const final = stages[stages.length - 1];
  const image = substitute(final.from.replace(/\s+AS\s+\S+$/i, "").replace(/^--platform=\S+\s+/, ""), globalArgs).trim();
  const base = BASE_IMAGE.exec(image);
  if (!base) problems.push(`Dockerfile: the runtime image is ${image}, expected nodered/node-red:4.1[.x]-20 (Node-RED 4.1 on Node 20)`);
  else {
    const tested = nodeRedVersion(root);
    if (tested && !tested.startsWith(`${base[1]}.`)) problems.push(`Dockerfile: the image has Node-RED ${base[1]} but the tests run Node-RED ${tested}`);
  }
  const users = final.body.filter((ins) => ins.keyword === "USER").map((ins) => ins.args.trim());
  const user = users[users.length - 1];
  if (user === undefined) problems.push("Dockerfile: the runtime stage sets no USER: say USER node-red so it never runs as root");
  else if (!/^node-red(:node-red)?$/.test(user)) problems.push(`Dockerfile: the runtime stage runs as ${user}, expected the non-root user node-red`);
  const exposed = final.body.filter((ins) => ins.keyword === "EXPOSE").flatMap((ins) => ins.args.split(/\s+/).map((p) => p.replace(/\/tcp$/, "")));
  if (!exposed.includes(NODE_RED_PORT)) problems.push(`Dockerfile: the runtime stage does not EXPOSE ${NODE_RED_PORT}`);
  const runs = final.body.filter((ins) => ins.keyword === "RUN").map((ins) => ins.args);
  for (const pkg of REQUIRED_PACKAGES) {
    if (!runs.some((run) => /\bnpm\s+(install|i|ci)\b/.test(run) && run.includes(pkg))) problems.push(`Dockerfile: the runtime stage does not npm install ${pkg}`);
  }
  if (!ignore.patterns.some((p) => !p.negate && p.regex.test(".env"))) problems.push(".dockerignore: does not exclude .env (the build context would carry the secrets)");
  return new Set(final.body.filter((ins) => ins.keyword === "ENV").flatMap((ins) => assignments(ins.args, "ENV").map(([name]) => name)));
}

function nodeRedVersion(root) {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, "node_modules", "node-red", "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

function checkCompose(root, problems, imageEnv) {
  const file = path.join(root, "docker-compose.yml");
  if (!fs.existsSync(file)) {
    problems.push("docker-compose.yml: missing");
    return;
  }
  let compose;
  try {
    compose = yaml.load(fs.readFileSync(file, "utf8"));
  } catch (err) {
    problems.push(`docker-compose.yml: not valid YAML: ${err.message.split("\n")[0]}`);
    return;
  }
  if (!compose || typeof compose !== "object" || !compose.services || typeof compose.services !== "object") {
    problems.push("docker-compose.yml: no services");
    return;
  }
  const services = compose.services;
  for (const name of EXPECTED_SERVICES) if (!services[name]) problems.push(`docker-compose.yml: no ${name} service`);
  for (const name of OPTIONAL_SERVICES) {
    if (services[name] && !(Array.isArray(services[name].profiles) && services[name].profiles.length > 0)) problems.push(`docker-compose.yml: the optional ${name} service has no profile (it would always start)`);
  }
  const imageOf = (name) => String(services[name]?.image ?? "");
  if (services.influxdb && !/^influxdb:2\.7(\.\d+)?(-[\w.-]+)?$/.test(imageOf("influxdb"))) problems.push(`docker-compose.yml: influxdb image is ${imageOf("influxdb")}, expected influxdb:2.7`);
  if (services.mosquitto && !/^eclipse-mosquitto:2(\.[\d.]+)?(-[\w.-]+)?$/.test(imageOf("mosquitto"))) problems.push(`docker-compose.yml: mosquitto image is ${imageOf("mosquitto")}, expected eclipse-mosquitto:2`);
  if (services["node-red"] && !services["node-red"].build) problems.push("docker-compose.yml: node-red is not built from this repo's Dockerfile (no build:)");

  for (const [name, service] of Object.entries(services)) {
    const test = service?.healthcheck?.test;
    if (!test || service.healthcheck.disable === true || (Array.isArray(test) && test[0] === "NONE")) problems.push(`docker-compose.yml: service ${name} has no healthcheck`);
    for (const volume of service?.volumes ?? []) {
      const source = typeof volume === "string" ? volume.split(":")[0] : volume?.type === "bind" ? volume.source : null;
      if (source && /^\.{1,2}\//.test(source) && !fs.existsSync(path.join(root, source))) problems.push(`docker-compose.yml: ${name} mounts ${source}, which does not exist`);
    }
    for (const [key, value] of Object.entries(environmentOf(service ?? {}))) {
      if (!SECRET_NAME.test(key) || value === null) continue;
      if (value.replace(/\$\{[^}]*\}/g, "").trim() !== "") problems.push(`docker-compose.yml: ${name} sets the secret ${key} to a literal value: take it from .env (\${${key}:?…})`);
    }
  }

  // Every variable the file reads must be documented in .env.example, and secrets never get a default.
  const envExample = path.join(root, ".env.example");
  let documented = new Map();
  if (!fs.existsSync(envExample)) problems.push(".env.example: missing");
  else {
    try {
      documented = parseEnvFile(fs.readFileSync(envExample, "utf8"));
    } catch (err) {
      problems.push(err.message);
    }
    for (const [name, value] of documented) if (SECRET_NAME.test(name) && value !== "") problems.push(`.env.example: the secret ${name} has a value: leave it empty`);
  }
  const used = new Set();
  for (const { text, at } of strings(compose)) {
    for (const ref of interpolationRefs(text)) {
      used.add(ref.name);
      if (SECRET_NAME.test(ref.name) && (ref.operator === "-" || ref.operator === ":-" || ref.operator === "+" || ref.operator === ":+") && ref.operand !== "") {
        problems.push(`docker-compose.yml: ${at.join(".")} gives the secret ${ref.name} a default value`);
      }
    }
  }
  for (const name of [...used].sort()) if (fs.existsSync(envExample) && !documented.has(name)) problems.push(`.env.example: does not list ${name}, which docker-compose.yml reads`);

  // Node-RED must receive what the templates and the integration contract read.
  const nodeRed = services["node-red"];
  if (nodeRed) {
    const passed = new Set(Object.keys(environmentOf(nodeRed)));
    const setInside = variablesSetByPackageCode(root);
    for (const [name, fileUsing] of templateVariables(root)) if (!passed.has(name) && !setInside.has(name)) problems.push(`docker-compose.yml: node-red does not receive ${name}, which ${fileUsing} reads`);
    for (const name of contractVariables(root)) if (!passed.has(name) && !setInside.has(name)) problems.push(`docker-compose.yml: node-red does not receive ${name} (docs/integration-contract.md, environment variables)`);
    for (const name of settingsVariables(root)) {
      if (!passed.has(name) && !imageEnv.has(name) && !setInside.has(name)) problems.push(`docker-compose.yml: settings.js reads ${name}, which neither the Dockerfile (ENV) nor the node-red service sets`);
    }
  }
}

/** Runs every check against the repo at `root`; resolves to the list of problems (empty when all pass). */
function checkDocker(root = path.resolve(__dirname, "..")) {
  const problems = [];
  const imageEnv = checkDockerfile(root, problems);
  checkCompose(root, problems, imageEnv);
  return problems;
}

if (require.main === module) {
  const root = path.resolve(process.argv[2] || path.join(__dirname, ".."));
  const problems = checkDocker(root);
  for (const problem of problems) console.error(`✗ ${problem}`);
  if (problems.length) process.exit(1);
  console.log("Dockerfile, docker-compose.yml and .env.example: all checks passed");
}

module.exports = { checkDocker, interpolationRefs, templateVariables, contractVariables, settingsVariables, dockerInstructions };
