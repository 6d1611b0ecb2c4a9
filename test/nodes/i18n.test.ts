/**
 * Editor localisation (en-US and es-ES) of every node in package.json "node-red".nodes.
 *
 * Static part: each node's message catalogs and help files exist in both languages, carry the same keys and
 * placeholders, and cover every key the editor HTML uses. Runtime part: a real Node-RED process loads the
 * compiled node set from a package directory (as an installed module) and serves the Spanish catalogs and help;
 * a headless chromium in Spanish shows a Spanish label in a node's edit dialog.
 */
import assert from "node:assert/strict";
import { openBrowser } from "../support/browser";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freePort } from "../support/ports";
import { repoRoot } from "../support/repo";
import { makeTempDir, waitFor } from "../support/runtime";

type Catalog = { [key: string]: string | Catalog };

const ROOT = repoRoot();
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
  "node-red": { version: string; nodes: Record<string, string> };
};
const TYPES = Object.keys(PKG["node-red"].nodes);
const LANGS = ["en-US", "es-ES"] as const;
/** The help headings each language uses (Node-RED's own es-ES help uses Entradas/Salidas/Detalles). */
const HEADINGS = {
  "en-US": { inputs: "Inputs", outputs: "Outputs", details: "Details" },
  "es-ES": { inputs: "Entradas", outputs: "Salidas", details: "Detalles" },
};

const sourceDir = (type: string) => path.join(ROOT, "nodes", type);
const read = (file: string) => fs.readFileSync(file, "utf8");
const catalogFile = (type: string, lang: string) => path.join(sourceDir(type), "locales", lang, `${type}.json`);
const helpFile = (type: string, lang: string) => path.join(sourceDir(type), "locales", lang, `${type}.html`);
const editorHtml = (type: string) => read(path.join(sourceDir(type), `${type}.html`));
const catalog = (type: string, lang: string) => JSON.parse(read(catalogFile(type, lang))) as Catalog;

/** "a.b.c" → value, for every leaf of a catalog. */
function flatten(tree: Catalog, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === "string") out.set(prefix + key, value);
    else for (const [k, v] of flatten(value, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

/** Every catalog key the editor HTML of `type` refers to (data-i18n, this._/node._/RED._ and key literals). */
function keysUsed(type: string, html: string): Set<string> {
  const keys = new Set<string>();
  for (const [, attr] of html.matchAll(/data-i18n="([^"]+)"/g)) {
    for (const part of attr.split(";")) keys.add(part.replace(/^\[[^\]]+\]/, ""));
  }
  const ns = `${PKG.name}/${type}:`;
  for (const [, key] of html.matchAll(/RED\._\("([^"]+)"/g)) {
    assert.ok(key.startsWith(ns), `${type}: RED._("${key}") must name the namespace ${ns}`);
    keys.add(key.slice(ns.length));
  }
  // this._("k"), node._("k") and keys kept in tables (e.g. spc-rules' rule descriptions) are string literals.
  const literal = new RegExp(`["'](${type.replace(/-/g, "\\-")}\\.[A-Za-z0-9_.-]+)["']`, "g");
  for (const [, key] of html.matchAll(literal)) keys.add(key);
  return keys;
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/__(\w+)__/g)].map((m) => m[1]).sort();
}

/** inputs / outputs of the node definition, 0 when absent (config nodes). */
function ports(html: string): { inputs: number; outputs: number } {
  const count = (name: string) => Number(new RegExp(`\\b${name}:\\s*(\\d+)`).exec(html)?.[1] ?? 0);
  return { inputs: count("inputs"), outputs: count("outputs") };
}

/** Visible text in the edit template that is not translated: plain words outside any data-i18n element. */
function untranslatedText(html: string): string[] {
  const template = /<script type="text\/html" data-template-name="[^"]+">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
  // Product names, protocol terms and units read the same in both languages.
  const allowed = /^(k|σ|ψ|x|y|w|h|s|ms|min|K|URL|API|Bucket|Token|Modbus TCP|Western Electric|InfluxQL \(v1\)|Flux \(v2\)|SQL \(InfluxDB 3, \/api\/v3\/query_sql\)|Basic256Sha256|Aes128_Sha256_RsaOaep|Aes256_Sha256_RsaPss|ns|µs|\d+|\(p −|\) ×)$/;
  return [...template.matchAll(/>([^<>]+)</g)]
    .map((m) => m[1].replace(/&nbsp;/g, " ").trim())
    .filter((text) => /[A-Za-z]/.test(text) && !allowed.test(text));
}

describe("i18n: editor labels and help in en-US and es-ES", function () {
  it("the package declares nodes", function () {
    assert.ok(TYPES.length >= 16, `package.json "node-red".nodes lists ${TYPES.length} nodes`);
  });

  for (const type of TYPES) {
    describe(type, function () {
      it("has a catalog and a help file in each locale", function () {
        for (const lang of LANGS) {
          assert.ok(fs.existsSync(catalogFile(type, lang)), `missing ${path.relative(ROOT, catalogFile(type, lang))}`);
          assert.ok(fs.existsSync(helpFile(type, lang)), `missing ${path.relative(ROOT, helpFile(type, lang))}`);
          // Node-RED reads the catalog of a node set under the set's own name: { "<type>": {...} }.
          assert.deepEqual(Object.keys(catalog(type, lang)), [type], `${lang} catalog must have the single top key "${type}"`);
        }
      });

      it("has the same keys and placeholders in en-US and es-ES, all non-empty, Spanish actually translated", function () {
        const en = flatten(catalog(type, "en-US"));
        const es = flatten(catalog(type, "es-ES"));
        assert.deepEqual([...es.keys()].sort(), [...en.keys()].sort());
        for (const [key, text] of en) {
          assert.ok(text.trim() !== "" && es.get(key)!.trim() !== "", `${key} is empty`);
          assert.deepEqual(placeholders(es.get(key)!), placeholders(text), `${key}: placeholders differ`);
        }
        const translated = [...en].filter(([key, text]) => es.get(key) !== text).length;
        assert.ok(translated >= en.size / 2, `only ${translated} of ${en.size} es-ES strings differ from en-US`);
      });

      it("uses only catalog keys that exist, in its own namespace", function () {
        const html = editorHtml(type);
        const used = keysUsed(type, html);
        assert.ok(used.size > 0, "the editor uses no message catalog key");
        const known = flatten(catalog(type, "en-US"));
        for (const key of used) {
          assert.ok(known.has(key), `${type}.html uses "${key}", which is not in locales/en-US/${type}.json`);
        }
      });

      it("leaves no untranslated text in the edit dialog", function () {
        assert.deepEqual(untranslatedText(editorHtml(type)), []);
      });

      it("keeps its help in the locale files, with the sections its ports need", function () {
        const html = editorHtml(type);
        assert.ok(!/data-help-name=/.test(html), `${type}.html still holds a data-help-name block`);
        const { inputs, outputs } = ports(html);
        const counts: number[] = [];
        for (const lang of LANGS) {
          const help = read(helpFile(type, lang));
          assert.match(help, new RegExp(`^<script type="text/html" data-help-name="${type}">`), `${lang} help wrapper`);
          const headings = [...help.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1].trim());
          const want = HEADINGS[lang];
          assert.ok(headings.includes(want.details), `${lang} help lacks <h3>${want.details}</h3>`);
          if (inputs > 0) assert.ok(headings.includes(want.inputs), `${lang} help lacks <h3>${want.inputs}</h3>`);
          if (outputs > 0) assert.ok(headings.includes(want.outputs), `${lang} help lacks <h3>${want.outputs}</h3>`);
          counts.push(headings.length);
        }
        assert.equal(counts[0], counts[1], "en-US and es-ES help have a different number of sections");
      });
    });
  }

  describe("in a running Node-RED", function () {
    this.timeout(120_000);
    let proc: ChildProcess | null = null;
    let base = "";
    let output = "";
    let userDir = "";

    before(async function () {
      // The compiled node files sit beside this test's output: dist/nodes in CI (scripts/build.js copies each
      // node's .html and locales/ there too), or a task's own build directory.
      const compiledNodes = path.resolve(__dirname, "..", "..", "nodes");
      for (const type of TYPES) {
        const locales = path.join(compiledNodes, type, "locales", "es-ES");
        if (!fs.existsSync(locales)) throw new Error(`${locales} is missing: build the package first (npm run build)`);
      }
      userDir = makeTempDir("fr-i18n-");
      // Installed-module layout: a package directory whose package.json lists the compiled node files. Node-RED
      // names each set "<module>/<type>" and registers its catalog under that namespace.
      const packageDir = path.join(userDir, "package");
      fs.mkdirSync(packageDir);
      const nodes = Object.fromEntries(TYPES.map((type) => [type, path.relative(packageDir, path.join(compiledNodes, type, `${type}.js`))]));
      fs.writeFileSync(
        path.join(packageDir, "package.json"),
        JSON.stringify({ name: PKG.name, version: PKG.version, "node-red": { version: PKG["node-red"].version, nodes } }),
      );
      fs.writeFileSync(
        path.join(userDir, "flows.json"),
        JSON.stringify([
          { id: "tab1", type: "tab", label: "i18n" },
          { id: "gap1", z: "tab1", type: "gap-detector", name: "", intervalSeconds: 60, learnCount: 10, tolerance: 1.5, minorMaxHours: 2, moderateMaxHours: 12, staleSeconds: 0, timeZone: "", store: "", x: 200, y: 100, wires: [[], [], []] },
        ]),
      );
      const port = await freePort();
      fs.writeFileSync(
        path.join(userDir, "settings.js"),
        `module.exports = ${JSON.stringify({
          uiHost: "127.0.0.1",
          uiPort: port,
          userDir,
          flowFile: "flows.json",
          nodesDir: [packageDir],
          credentialSecret: false,
          logging: { console: { level: "warn" } },
          editorTheme: { tours: false, projects: { enabled: false } },
          telemetry: { enabled: false },
        })};\n`,
      );
      proc = spawn(process.execPath, [require.resolve("node-red/red.js"), "--settings", path.join(userDir, "settings.js"), "--userDir", userDir], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
      proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
      base = `http://127.0.0.1:${port}`;
      let ready = false;
      const poll = setInterval(() => {
        fetch(`${base}/nodes/messages?lng=en-US`)
          .then((r) => (ready = r.ok))
          .catch(() => undefined);
      }, 200);
      try {
        await waitFor(() => ready || proc!.exitCode !== null, 90_000, "Node-RED to start");
      } finally {
        clearInterval(poll);
      }
      assert.equal(proc.exitCode, null, `Node-RED exited:\n${output}`);
    });

    after(async function () {
      if (proc && proc.exitCode === null) {
        const exited = new Promise((resolve) => proc!.once("exit", resolve));
        proc.kill("SIGTERM");
        await exited;
      }
      if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
    });

    it("loads every node of the set without an error", async function () {
      const res = await fetch(`${base}/nodes`, { headers: { Accept: "application/json" } });
      const sets = (await res.json()) as { id: string; module: string; enabled: boolean; err?: string; types: string[] }[];
      for (const type of TYPES) {
        const set = sets.find((s) => s.id === `${PKG.name}/${type}`);
        assert.ok(set, `set ${PKG.name}/${type} not loaded:\n${output}`);
        assert.equal(set.err, undefined, `${type}: ${set.err}`);
        assert.deepEqual(set.types, [type]);
      }
    });

    it("serves each catalog under <module>/<type> in en-US and es-ES", async function () {
      for (const lang of LANGS) {
        const res = await fetch(`${base}/nodes/messages?lng=${lang}`);
        const served = (await res.json()) as Record<string, Catalog>;
        for (const type of TYPES) {
          assert.deepEqual(served[`${PKG.name}/${type}`], catalog(type, lang), `${lang} catalog of ${type}`);
        }
      }
      const one = await fetch(`${base}/nodes/${PKG.name}/gap-detector/messages?lng=es-ES`);
      const gap = (await one.json()) as { "gap-detector": { label: { tolerance: string } } };
      assert.equal(gap["gap-detector"].label.tolerance, "Brecha tras");
    });

    it("serves the Spanish help and the editor templates to a Spanish editor", async function () {
      // The editor asks for the node HTML in the browser's language (Accept-Language), the catalogs with ?lng=.
      const res = await fetch(`${base}/nodes`, { headers: { Accept: "text/html", "Accept-Language": "es-ES" } });
      const html = await res.text();
      for (const type of TYPES) {
        assert.ok(html.includes(read(helpFile(type, "es-ES")).trim()), `es-ES help of ${type} not served`);
        assert.ok(!html.includes(read(helpFile(type, "en-US")).trim()), `en-US help of ${type} served to a Spanish editor`);
        assert.ok(html.includes(`data-template-name="${type}"`), `template of ${type} not served`);
      }
    });

    it("shows Spanish labels in the edit dialog of a node (headless chromium)", async function () {
      const session = await openBrowser({ locale: "es-ES" });
      const browser = session.context;
      const errors: string[] = [];
      try {
        const page = browser.pages()[0] ?? (await browser.newPage());
        page.on("pageerror", (err) => errors.push(err.message));
        // The sandbox has no internet: the editor's calls to outside hosts fail and are not ours to check, so
        // resource failures count only for this Node-RED's own origin.
        page.on("console", (msg) => {
          if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) errors.push(msg.text());
        });
        page.on("requestfailed", (request) => {
          if (request.url().startsWith(base)) errors.push(`${request.url()}: ${request.failure()?.errorText}`);
        });
        await page.goto(base);
        await page.waitForFunction(() => {
          const red = (window as unknown as { RED?: { nodes?: { node(id: string): unknown } } }).RED;
          return !!red?.nodes?.node("gap1");
        }, undefined, { timeout: 60_000 });
        // The palette entry uses the Spanish paletteLabel.
        const es = flatten(catalog("gap-detector", "es-ES"));
        const palette = page.locator('.red-ui-palette-node[data-palette-type="gap-detector"] .red-ui-palette-label');
        await palette.waitFor({ state: "attached", timeout: 10_000 });
        // The palette breaks long labels over lines; compare the words.
        assert.equal((await palette.textContent())?.replace(/\s+/g, " ").trim(), es.get("gap-detector.paletteLabel"));
        await page.evaluate(() => {
          const red = (window as unknown as { RED: { nodes: { node(id: string): unknown }; editor: { edit(n: unknown): void } } }).RED;
          red.editor.edit(red.nodes.node("gap1"));
        });
        const label = page.locator('label[for="node-input-tolerance"]');
        await label.waitFor({ state: "visible", timeout: 10_000 });
        assert.equal((await label.innerText()).trim(), es.get("gap-detector.label.tolerance"));
        const stale = await page.locator('label[for="node-input-staleSeconds"]').innerText();
        assert.equal(stale.trim(), es.get("gap-detector.label.stale"));
        const tip = await page.locator("#node-input-staleSeconds + span").innerHTML();
        assert.ok(tip.includes("<code>msg.staleSeconds</code>"), `the [html] tip lost its markup: ${tip}`);
        if (process.env.I18N_SCREENSHOT) await page.screenshot({ path: process.env.I18N_SCREENSHOT });
        assert.deepEqual(errors, [], "the editor logged errors");
      } finally {
        await session.close();
      }
    });
  });
});
