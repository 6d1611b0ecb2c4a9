/**
 * The Docker files, checked without a Docker engine (none runs here, no image can be pulled):
 * scripts/check-docker.js against the repo (it must pass) and against copies of the repo's Docker files
 * with one fault each (it must name that fault), and docker/first-start.js, which writes the templates
 * into the flows file on a container's first start.
 */
import assert from "assert";
import { spawn, spawnSync } from "child_process";
import fs from "fs";
import http from "http";
import os from "os";
import path from "path";
import { freePort } from "../support/ports";
import { repoRoot } from "../support/repo";

interface CheckDockerModule {
  checkDocker(root?: string): string[];
  templateVariables(root: string): Map<string, string>;
}

const root = repoRoot();
const checkScript = path.join(root, "scripts", "check-docker.js");
const firstStartScript = path.join(root, "docker", "first-start.js");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain CommonJS script of the repo
const { checkDocker, templateVariables } = require(checkScript) as CheckDockerModule;

/** The files the checks read, copied into a fresh folder the test may break. */
function copyOfDockerFiles(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-docker-check-"));
  for (const rel of ["Dockerfile", "docker-compose.yml", ".env.example", ".dockerignore", "settings.js", "package.json", "package-lock.json", "docs/integration-contract.md"]) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.copyFileSync(path.join(root, rel), path.join(dir, rel));
  }
  for (const rel of ["docker", "flows", "dashboards/dashboard2"]) fs.cpSync(path.join(root, rel), path.join(dir, rel), { recursive: true });
  return dir;
}

function edit(dir: string, rel: string, change: (text: string) => string): void {
  const file = path.join(dir, rel);
  const before = fs.readFileSync(file, "utf8");
  const after = change(before);
  assert.notStrictEqual(after, before, `the test's edit of ${rel} changed nothing`);
  fs.writeFileSync(file, after);
}

function assertProblem(problems: string[], pattern: RegExp): void {
  assert.ok(
    problems.some((p) => pattern.test(p)),
    `expected a problem matching ${pattern}, got:\n${problems.join("\n") || "(none)"}`,
  );
}

describe("Docker files (scripts/check-docker.js)", function () {
  const made: string[] = [];
  const scratch = (): string => {
    const dir = copyOfDockerFiles();
    made.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("passes on the repo, as a module and as a command", function () {
    assert.deepStrictEqual(checkDocker(root), []);
    const run = spawnSync(process.execPath, [checkScript, root], { encoding: "utf8" });
    assert.strictEqual(run.status, 0, run.stderr);
    assert.match(run.stdout, /all checks passed/);
  });

  it("passes on an unmodified copy (the copy is complete, so the fault tests below test one fault each)", function () {
    assert.deepStrictEqual(checkDocker(scratch()), []);
  });

  it("finds the variables of the templates, including function code and subflow properties", function () {
    const vars = templateVariables(root);
    for (const name of fs.existsSync(path.join(root, "flows", "anh-daily-report.json")) ? ["OPCUA_ENDPOINT", "INFLUX_URL", "FTP_HOST"] : []) {
      assert.ok(vars.has(name), `${name} is read by the ANH template`);
    }
    const dir = scratch();
    fs.writeFileSync(
      path.join(dir, "flows", "zz-probe.json"),
      JSON.stringify([
        { id: "t1", type: "tab", label: "probe" },
        { id: "f1", z: "t1", type: "function", func: 'const code = env.get("PLANT_CODE");\nreturn msg;' },
        { id: "c1", z: "t1", type: "change", rules: [{ t: "set", p: "x", to: "${PLANT_REGION}", tot: "str" }] },
        { id: "i1", z: "t1", type: "inject", payload: "PLANT_SHIFT", payloadType: "env" },
        { id: "s1", type: "subflow", name: "well", env: [{ name: "WELL", type: "str", value: "W01" }, { name: "AREA", type: "env", value: "PLANT_AREA" }] },
        { id: "f2", z: "s1", type: "function", func: 'return { payload: env.get("WELL") };' },
        { id: "c2", z: "s1", type: "change", rules: [{ t: "set", p: "well", to: "${WELL}", tot: "str" }] },
        // Embedded in code, ${...} is a JavaScript template literal, which Node-RED leaves alone.
        { id: "f3", z: "t1", type: "function", func: "const text = `${msg.topic} at ${PLANT_LITERAL}`;\nreturn msg;" },
      ]),
    );
    const probe = templateVariables(dir);
    for (const name of ["PLANT_CODE", "PLANT_REGION", "PLANT_SHIFT", "PLANT_AREA"]) assert.strictEqual(probe.get(name), path.join("flows", "zz-probe.json"), name);
    assert.ok(!probe.has("WELL"), "a subflow property is not a process variable");
    assert.ok(!probe.has("PLANT_LITERAL") && !probe.has("msg"), "a template literal in code is not a variable");
    assertProblem(checkDocker(dir), /node-red does not receive PLANT_CODE, which flows\/zz-probe\.json reads/);
  });

  it("rejects a base image other than Node-RED 4.1 on Node 20", function () {
    const dir = scratch();
    edit(dir, "Dockerfile", (t) => t.replace(/ARG NODE_MAJOR=20/, "ARG NODE_MAJOR=18"));
    assertProblem(checkDocker(dir), /runtime image is nodered\/node-red:4\.1\.\d+-18, expected/);
    const other = scratch();
    edit(other, "Dockerfile", (t) => t.replace(/^FROM nodered\/node-red:.*$/m, "FROM node:20-alpine"));
    assertProblem(checkDocker(other), /runtime image is node:20-alpine/);
  });

  it("rejects a root user, a missing EXPOSE 1880 and a missing package", function () {
    const dir = scratch();
    edit(dir, "Dockerfile", (t) => t.replace(/^EXPOSE 1880$/m, "USER root\nEXPOSE 8080"));
    const problems = checkDocker(dir);
    assertProblem(problems, /runs as root, expected the non-root user node-red/);
    assertProblem(problems, /does not EXPOSE 1880/);
    const other = scratch();
    edit(other, "Dockerfile", (t) => t.replace(/^\s*node-red-node-email@\$\{EMAIL_VERSION\} \\\n/m, ""));
    assertProblem(checkDocker(other), /does not npm install node-red-node-email/);
  });

  it("rejects a COPY of a file that does not exist or that .dockerignore excludes", function () {
    const dir = scratch();
    fs.rmSync(path.join(dir, "docker", "healthcheck.js"));
    assertProblem(checkDocker(dir), /COPY source docker\/healthcheck\.js does not exist/);
    const other = scratch();
    edit(other, ".dockerignore", (t) => `${t}docker/\n`);
    assertProblem(checkDocker(other), /COPY source docker\/entrypoint\.sh is excluded by \.dockerignore/);
  });

  it("rejects a secret baked into the image and a build context that carries .env", function () {
    const dir = scratch();
    edit(dir, "Dockerfile", (t) => t.replace(/^EXPOSE 1880$/m, "ENV INFLUX_TOKEN=0123456789abcdef\nEXPOSE 1880"));
    edit(dir, ".dockerignore", (t) => t.replace(/^\.env$/m, "# .env"));
    const problems = checkDocker(dir);
    assertProblem(problems, /ENV INFLUX_TOKEN bakes a secret into the image/);
    assertProblem(problems, /\.dockerignore: does not exclude \.env/);
  });

  it("rejects a compose file that does not parse, lacks a service or a health check", function () {
    const broken = scratch();
    edit(broken, "docker-compose.yml", (t) => t.replace("services:\n", "services:\n  bad: [unclosed\n"));
    assertProblem(checkDocker(broken), /not valid YAML/);
    const dir = scratch();
    edit(dir, "docker-compose.yml", (t) => t.replace(/^ {2}mosquitto:\n/m, "  broker:\n"));
    edit(dir, "docker-compose.yml", (t) => t.replace(/(^ {2}influxdb:[\s\S]*?)^ {4}healthcheck:\n(^ {6}.*\n)+/m, "$1"));
    const problems = checkDocker(dir);
    assertProblem(problems, /no mosquitto service/);
    assertProblem(problems, /service influxdb has no healthcheck/);
  });

  it("rejects an optional FTP server without a profile and a mount of a missing file", function () {
    const dir = scratch();
    edit(dir, "docker-compose.yml", (t) => t.replace(/^ {4}profiles: \["ftp"\]\n/m, ""));
    fs.rmSync(path.join(dir, "docker", "mosquitto", "mosquitto.conf"));
    const problems = checkDocker(dir);
    assertProblem(problems, /optional ftp service has no profile/);
    assertProblem(problems, /mosquitto mounts \.\/docker\/mosquitto\/mosquitto\.conf, which does not exist/);
  });

  it("rejects a variable compose reads that .env.example does not list", function () {
    const dir = scratch();
    edit(dir, "docker-compose.yml", (t) => t.replace("SITE: ${SITE:-demo}", "PLANT_SITE: ${PLANT_SITE:-demo}"));
    const problems = checkDocker(dir);
    assertProblem(problems, /\.env\.example: does not list PLANT_SITE/);
    // SITE itself is no longer passed: the contract's variable is missing for Node-RED.
    assertProblem(problems, /node-red does not receive SITE \(docs\/integration-contract\.md/);
  });

  it("rejects secrets written into the compose file or .env.example", function () {
    const dir = scratch();
    edit(dir, "docker-compose.yml", (t) => t.replace(/^( {6}INFLUX_TOKEN: ).*$/m, "$1s3cr3t-token"));
    edit(dir, "docker-compose.yml", (t) => t.replace(/FTP_PASSWORD: \$\{FTP_PASSWORD:\?[^}]*\}/, "FTP_PASSWORD: ${FTP_PASSWORD:-anh2024}"));
    edit(dir, ".env.example", (t) => t.replace(/^SMTP_PASSWORD=$/m, "SMTP_PASSWORD=hunter22"));
    const problems = checkDocker(dir);
    assertProblem(problems, /node-red sets the secret INFLUX_TOKEN to a literal value/);
    assertProblem(problems, /gives the secret FTP_PASSWORD a default value/);
    assertProblem(problems, /\.env\.example: the secret SMTP_PASSWORD has a value/);
  });

  it("exits 1 and names the problem when run as a command on a faulty copy", function () {
    const dir = scratch();
    edit(dir, "Dockerfile", (t) => t.replace(/^USER node-red$/m, "USER 0"));
    const run = spawnSync(process.execPath, [checkScript, dir], { encoding: "utf8" });
    assert.strictEqual(run.status, 1);
    assert.match(run.stderr, /runs as 0, expected the non-root user node-red/);
  });
});

describe("Docker first start (docker/first-start.js)", function () {
  const made: string[] = [];
  const tempDir = (prefix: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A package folder with two templates sharing a config node, a dashboard flow and a label table. */
  function fakePackage(): string {
    const dir = tempDir("fr-docker-pkg-");
    fs.mkdirSync(path.join(dir, "flows"));
    fs.mkdirSync(path.join(dir, "dashboards", "dashboard2"), { recursive: true });
    const shared = { id: "influx", type: "influx-server", url: "${INFLUX_URL}" };
    fs.writeFileSync(path.join(dir, "flows", "alpha.json"), JSON.stringify([{ id: "ta", type: "tab" }, shared, { id: "a1", z: "ta", type: "inject" }]));
    fs.writeFileSync(path.join(dir, "flows", "beta.json"), JSON.stringify([{ id: "tb", type: "tab" }, shared, { id: "b1", z: "tb", type: "debug" }]));
    fs.writeFileSync(path.join(dir, "dashboards", "dashboard2", "ops.json"), JSON.stringify([{ id: "td", type: "tab" }, { id: "d1", z: "td", type: "ui-text" }]));
    fs.writeFileSync(path.join(dir, "dashboards", "dashboard2", "labels.json"), JSON.stringify({ en: { title: "x" } }));
    return dir;
  }

  function firstStart(packageDir: string, userDir: string, env: Record<string, string> = {}) {
    return spawnSync(process.execPath, [firstStartScript], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", FIELD_RELIABILITY_DIR: packageDir, NODE_RED_USER_DIR: userDir, ...env },
    });
  }

  const idsOf = (file: string): string[] => (JSON.parse(fs.readFileSync(file, "utf8")) as Array<{ id: string }>).map((n) => n.id);

  it("writes every template and the Dashboard 2 flows, shared config nodes once", function () {
    const userDir = tempDir("fr-docker-data-");
    const run = firstStart(fakePackage(), userDir);
    assert.strictEqual(run.status, 0, run.stderr);
    assert.deepStrictEqual(idsOf(path.join(userDir, "flows.json")), ["ta", "influx", "a1", "tb", "b1", "td", "d1"]);
  });

  it("never overwrites a flows file the user has deployed", function () {
    const userDir = tempDir("fr-docker-data-");
    fs.writeFileSync(path.join(userDir, "flows.json"), '[{"id":"mine","type":"tab"}]');
    const run = firstStart(fakePackage(), userDir);
    assert.strictEqual(run.status, 0, run.stderr);
    assert.deepStrictEqual(idsOf(path.join(userDir, "flows.json")), ["mine"]);
  });

  it("deploys only the templates FR_TEMPLATES names, none with 'none', and refuses an unknown name", function () {
    const pkg = fakePackage();
    const some = tempDir("fr-docker-data-");
    assert.strictEqual(firstStart(pkg, some, { FR_TEMPLATES: "beta" }).status, 0);
    assert.deepStrictEqual(idsOf(path.join(some, "flows.json")), ["tb", "influx", "b1", "td", "d1"]);
    const none = tempDir("fr-docker-data-");
    assert.strictEqual(firstStart(pkg, none, { FR_TEMPLATES: "none" }).status, 0);
    assert.ok(!fs.existsSync(path.join(none, "flows.json")));
    const wrong = tempDir("fr-docker-data-");
    const run = firstStart(pkg, wrong, { FR_TEMPLATES: "beta,gamma" });
    assert.strictEqual(run.status, 1);
    assert.match(run.stderr, /FR_TEMPLATES names no template gamma/);
    assert.ok(!fs.existsSync(path.join(wrong, "flows.json")));
  });

  it("composes the repo's own templates into one flows file with unique ids", function () {
    const userDir = tempDir("fr-docker-data-");
    const run = firstStart(root, userDir);
    assert.strictEqual(run.status, 0, run.stderr);
    const nodes = JSON.parse(fs.readFileSync(path.join(userDir, "flows.json"), "utf8")) as Array<{ id: string; type: string }>;
    const ids = nodes.map((n) => n.id);
    assert.strictEqual(new Set(ids).size, ids.length);
    const templates = fs.readdirSync(path.join(root, "flows")).filter((f) => f.endsWith(".json"));
    for (const file of templates) {
      const own = (JSON.parse(fs.readFileSync(path.join(root, "flows", file), "utf8")) as Array<{ id: string }>).map((n) => n.id);
      for (const id of own) assert.ok(ids.includes(id), `${file}: node ${id} missing from the composed flows`);
    }
  });
});

describe("Docker health check and entry point (docker/healthcheck.js, docker/entrypoint.sh)", function () {
  const healthcheck = path.join(root, "docker", "healthcheck.js");

  async function healthWith(status: number | null): Promise<number | null> {
    const port = await freePort();
    const server = http.createServer((_req, res) => {
      res.statusCode = status ?? 200;
      res.end();
    });
    if (status !== null) await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    try {
      const child = spawn(process.execPath, [healthcheck], { env: { PATH: process.env.PATH ?? "", PORT: String(port) }, stdio: "ignore" });
      return await new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    } finally {
      if (status !== null) await new Promise((resolve) => server.close(resolve));
    }
  }

  it("is healthy while Node-RED answers (also 401 behind a login), unhealthy on 5xx or nothing listening", async function () {
    assert.strictEqual(await healthWith(200), 0);
    assert.strictEqual(await healthWith(401), 0);
    assert.strictEqual(await healthWith(503), 1);
    assert.strictEqual(await healthWith(null), 1);
  });

  it("has an entry point that sh can parse and that is executable", function () {
    const entrypoint = path.join(root, "docker", "entrypoint.sh");
    const parse = spawnSync("sh", ["-n", entrypoint], { encoding: "utf8" });
    assert.strictEqual(parse.status, 0, parse.stderr);
    assert.ok((fs.statSync(entrypoint).mode & 0o111) !== 0, "docker/entrypoint.sh must be executable (git keeps the mode)");
  });
});
