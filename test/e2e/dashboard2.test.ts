/// <reference lib="dom" />
/**
 * The Dashboard 2 operator dashboard (dashboards/dashboard2/operator-dashboard.json) in a real Node-RED 4.1
 * (test/support/node-red-process.ts) and a real browser (Debian chromium through playwright-core), fed with
 * realistic contract messages by test/e2e/dashboard-feeder.ts through the fr-ui-* link ins.
 * The dashboard is protected as a plant would do it: HTTP Basic users from dashboard-users.js (an admin
 * and an operator) and its plugin putting the user in msg._client.user.
 *
 * FR_SCREENSHOTS=1 also writes docs/screenshots/dashboard2-<page>.png (1366×768) from the English run.
 */
import assert from "assert";
import fs from "fs";
import os from "os";
import path from "path";
import bcrypt from "bcryptjs";
import { type Page } from "playwright-core";
import { openBrowser, type BrowserSession } from "../support/browser";
import { deploy, readFlowFile, start, type FlowNode, type NodeRedProcess } from "../support/node-red-process";
import { repoRoot } from "../support/repo";
import { waitForValue } from "../support/wait";
import { seededRandom } from "../../lib/common/random";
import { DashboardFeeder, PlantFeeder, feederFlow } from "./dashboard-feeder";

type PageName = "overview" | "tag" | "thermal" | "quality" | "report";
const ADMIN = { username: "ana", password: "admin-pass-test", permissions: "*" };
const OPERATOR = { username: "oscar", password: "operator-pass-test", permissions: "read" };
const TAG_COUNT = 3 * 9 + 8;
const labels = JSON.parse(fs.readFileSync(path.join(repoRoot(), "dashboards/dashboard2/src/labels.json"), "utf8")) as Record<"en" | "es", Record<string, string>>;

function basic(user: { username: string; password: string }): string {
  return "Basic " + Buffer.from(`${user.username}:${user.password}`).toString("base64");
}

/**
 * A user dir whose settings protect the dashboard with dashboard-users.js, and whose node_modules registers
 * its plugin (unless package.json already declares it, as a release does).
 */
function prepareUserDir(): { userDir: string; settingsFile: string } {
  const root = repoRoot();
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-d2-node-red-"));
  const usersModule = path.join(root, "dashboards/dashboard2/dashboard-users.js");
  const users = [ADMIN, OPERATOR].map((u) => ({ username: u.username, password: bcrypt.hashSync(u.password, 8), permissions: u.permissions }));
  const settingsFile = path.join(userDir, "settings.js");
  fs.writeFileSync(
    settingsFile,
    `// the package's settings.js, plus the dashboard's users
const { dashboardAuth } = require(${JSON.stringify(usersModule)});
module.exports = {
  ...require(${JSON.stringify(path.join(root, "settings.js"))}),
  dashboard: dashboardAuth(${JSON.stringify(users)}),
};
`,
  );
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { "node-red"?: { plugins?: Record<string, string> } };
  const declared = Object.values(pkg["node-red"]?.plugins ?? {}).some((file) => file.includes("dashboard-users"));
  if (!declared) {
    const stub = path.join(userDir, "node_modules", "fr-dashboard-users-test");
    fs.mkdirSync(stub, { recursive: true });
    fs.writeFileSync(path.join(stub, "package.json"), JSON.stringify({ name: "fr-dashboard-users-test", version: "1.0.0", "node-red": { plugins: { "fr-dashboard-users": "plugin.js" } } }));
    fs.writeFileSync(path.join(stub, "plugin.js"), `module.exports = require(${JSON.stringify(usersModule)});\n`);
  }
  return { userDir, settingsFile };
}

interface Stack {
  red: NodeRedProcess;
  feeder: DashboardFeeder;
  userDir: string;
  stop(): Promise<void>;
}

async function startRed(lang: "en" | "es"): Promise<{ red: NodeRedProcess; userDir: string }> {
  const { userDir, settingsFile } = prepareUserDir();
  const red = await start({ userDir, settingsFile, env: { DASHBOARD_LANG: lang, DASHBOARD_ADMINS: undefined, FR_DASHBOARD_USERS_PLUGIN: undefined } });
  return { red, userDir };
}

async function startStack(lang: "en" | "es"): Promise<Stack> {
  const { red, userDir } = await startRed(lang);
  await deploy(red.url, [...readFlowFile("dashboards/dashboard2/operator-dashboard.json"), ...(feederFlow() as FlowNode[])]);
  const feeder = new DashboardFeeder(red.url, new PlantFeeder({ seed: 42 }));
  try {
    await feeder.start(120);
  } catch (error) {
    await red.stop();
    throw new Error(`feeding the dashboard failed: ${(error as Error).message}\n${red.logs().slice(-4000)}`);
  }
  return {
    red,
    feeder,
    userDir,
    stop: async () => {
      feeder.stop();
      await red.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}


function openDashboardBrowser(user: { username: string; password: string }, width = 1366, height = 768): Promise<BrowserSession> {
  return openBrowser({ width, height, httpCredentials: user });
}

/** Widest element against the viewport: no page-level horizontal scrollbar, no widget wider than the window. */
async function overflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; widest: number; culprit: string }> {
  return page.evaluate(() => {
    let widest = 0;
    let culprit = "";
    for (const el of Array.from(document.querySelectorAll(".nrdb-ui-widget, .nrdb-ui-group, [data-testid]"))) {
      const right = el.getBoundingClientRect().right;
      if (right > widest) {
        widest = right;
        culprit = (el.getAttribute("data-testid") ?? el.className).toString().slice(0, 80);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, widest, culprit };
  });
}

async function assertNoOverflow(page: Page, label: string): Promise<void> {
  for (const [width, height] of [
    [1366, 768],
    [1920, 1080],
  ]) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(300);
    const o = await overflow(page);
    assert.ok(o.scrollWidth <= o.innerWidth, `${label} at ${width}×${height}: page scrolls horizontally (${o.scrollWidth} > ${o.innerWidth})`);
    assert.ok(o.widest <= o.innerWidth + 1, `${label} at ${width}×${height}: ${o.culprit} ends at ${o.widest} px > ${o.innerWidth}`);
  }
  await page.setViewportSize({ width: 1366, height: 768 });
}

async function commands(url: string): Promise<Array<{ command: string; date: string; requestedBy?: string }>> {
  const response = await fetch(`${url}/fr-test/commands`);
  return (await response.json()) as Array<{ command: string; date: string; requestedBy?: string }>;
}

/**
 * A hand-made Socket.IO client (Engine.IO v4 long-polling, the transport Dashboard 2 starts with): it sends
 * one widget message as a tampered browser could, with whatever it likes in msg._client.
 */
async function sendAsClient(url: string, authorization: string, widgetId: string, msg: Record<string, unknown>): Promise<string> {
  const base = `${url}/dashboard/socket.io/?EIO=4&transport=polling`;
  const headers = { authorization };
  const open = await (await fetch(`${base}&t=${Date.now()}`, { headers })).text();
  const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
  await (await fetch(`${base}&sid=${sid}`, { method: "POST", headers: { ...headers, "content-type": "text/plain;charset=UTF-8" }, body: "40" })).text();
  const connected = await (await fetch(`${base}&sid=${sid}`, { headers })).text();
  if (!connected.startsWith("40")) return connected; // the namespace refused the connection (e.g. 44{"message":…})
  const packet = "42" + JSON.stringify(["widget-send", widgetId, msg]);
  await (await fetch(`${base}&sid=${sid}`, { method: "POST", headers: { ...headers, "content-type": "text/plain;charset=UTF-8" }, body: packet })).text();
  return connected;
}

async function openPage(page: Page, url: string, name: PageName, query = ""): Promise<void> {
  await page.goto(`${url}/dashboard/${name}${query}`);
}

async function numberIn(page: Page, selector: string): Promise<number> {
  const text = (await page.locator(selector).first().textContent({ timeout: 15_000 })) ?? "";
  const match = /-?\d+(\.\d+)?/.exec(text);
  assert.ok(match, `${selector} shows no number: "${text}"`);
  return Number(match[0]);
}

describe("Dashboard 2 operator dashboard in chromium (e2e)", function () {
  this.timeout(240_000);

  describe("English, admin and operator", function () {
    let stack: Stack;
    let admin: BrowserSession;
    const shots = fs.mkdtempSync(path.join(os.tmpdir(), "fr-d2-shots-"));

    before(async function () {
      stack = await startStack("en");
      admin = await openDashboardBrowser(ADMIN);
    });

    after(async function () {
      await admin?.close();
      await stack?.stop();
      if (process.env.FR_SCREENSHOTS === "1") {
        const target = path.join(repoRoot(), "docs/screenshots");
        fs.mkdirSync(target, { recursive: true });
        for (const file of fs.readdirSync(shots)) fs.copyFileSync(path.join(shots, file), path.join(target, file));
      }
      fs.rmSync(shots, { recursive: true, force: true });
    });

    it("overview: every tag with a live value, quality and state; alarms with counts; nothing overflows", async function () {
      const { page } = admin;
      await openPage(page, stack.red.url, "overview");
      await page.waitForFunction((n) => document.querySelectorAll("[data-testid=fr-tag-card]").length >= n, TAG_COUNT, { timeout: 20_000 });
      const card = page.locator('[data-testid=fr-tag-card][data-topic="W01.OilRate"]');
      const first = await numberIn(page, '[data-testid=fr-tag-card][data-topic="W01.OilRate"] [data-testid=fr-tag-value]');
      assert.ok(first > 700 && first < 950, `W01.OilRate ${first} bbl/d is not a simulated oil rate`);
      assert.match((await card.textContent()) ?? "", /bbl\/d/);
      assert.equal(await card.getAttribute("data-state"), "live");
      // live: the value changes without a reload
      await page.waitForFunction(
        (before) => {
          const el = document.querySelector('[data-testid=fr-tag-card][data-topic="W01.OilRate"] [data-testid=fr-tag-value]');
          return el !== null && !(el.textContent ?? "").includes(before);
        },
        String(first.toFixed(1)),
        { timeout: 10_000 },
      );
      for (const severity of ["critical", "warning", "info"]) {
        await numberIn(page, `[data-testid=fr-count-${severity}]`);
      }
      // the failed ANH delivery of yesterday is an active critical alarm
      await page.locator("[data-testid=fr-alarm][data-severity=critical]").first().waitFor({ timeout: 10_000 });
      await assertNoOverflow(page, "overview");
      await page.screenshot({ path: path.join(shots, "dashboard2-overview.png") });
    });

    it("an injected fault (spike) raises an alarm on the overview within 5 s", async function () {
      const { page } = admin;
      await openPage(page, stack.red.url, "overview");
      await page.waitForFunction((n) => document.querySelectorAll("[data-testid=fr-tag-card]").length >= n, TAG_COUNT, { timeout: 20_000 });
      // a tag without any alarm now, so the alarm can only come from the spike
      const quiet = await page.evaluate(() => {
        const alarmed = new Set(Array.from(document.querySelectorAll("[data-testid=fr-alarm]")).map((a) => a.getAttribute("data-topic")));
        const cards = Array.from(document.querySelectorAll("[data-testid=fr-tag-card]")).map((c) => c.getAttribute("data-topic") ?? "");
        return cards.filter((topic) => topic.startsWith("W") && !alarmed.has(topic));
      });
      assert.ok(quiet.length > 0, "every well tag already has an alarm");
      const topic = quiet[quiet.length - 1];
      const injectedAt = Date.now();
      await stack.feeder.injectSpike(topic);
      const alarm = page.locator(`[data-testid=fr-alarm][data-topic="${topic}"][data-severity=critical]`);
      await alarm.waitFor({ timeout: 5_000 });
      const seenAfter = Date.now() - injectedAt;
      assert.ok(seenAfter <= 5_000, `alarm after ${seenAfter} ms`);
      assert.match((await alarm.textContent()) ?? "", /nelson-1/);
      // click-through to the tag (from its card: the alarm clears itself once the next readings are in control)
      await page.locator(`[data-testid=fr-tag-card][data-topic="${topic}"]`).click();
      await page.waitForURL(/\/dashboard\/tag\?tag=/, { timeout: 5_000 });
      assert.equal(decodeURIComponent(new URL(page.url()).searchParams.get("tag") ?? ""), topic);
      await page.locator('[data-testid=fr-violation][data-rule*="nelson-1"]').first().waitFor({ timeout: 10_000 });
    });

    it("tag detail: trend with centre line and limits, violation markers, rolling σ shading, anomaly score and threshold", async function () {
      const { page } = admin;
      await openPage(page, stack.red.url, "tag", "?tag=W01.OilRate");
      await page.locator("[data-testid=fr-trend]").waitFor({ timeout: 15_000 });
      const value = await numberIn(page, "[data-testid=fr-detail-value]");
      assert.ok(value > 700 && value < 950, `detail value ${value}`);
      for (const line of ["fr-center", "fr-ucl", "fr-lcl"]) {
        const points = (await page.locator(`[data-testid=${line}]`).getAttribute("points")) ?? "";
        assert.ok(points.split(" ").length > 50, `${line} has ${points.split(" ").length} points`);
      }
      // the chart is drawn to its full width (its viewBox scales it: a lower-cased "viewbox" would not)
      const span = await page.evaluate(() => {
        const svg = document.querySelector("[data-testid=fr-trend]") as SVGSVGElement;
        return { viewBox: svg.getAttribute("viewBox"), ratio: (svg.querySelector(".fr-value") as SVGElement).getBoundingClientRect().width / svg.getBoundingClientRect().width };
      });
      assert.ok(span.viewBox && span.ratio > 0.9, `trend drawn over ${(span.ratio * 100).toFixed(0)} % of its width (viewBox ${span.viewBox})`);
      const shades = await page.locator("[data-testid=fr-sigma] rect").count();
      assert.ok(shades >= 1, "no stable/turbulent shading");
      assert.match((await page.locator("[data-testid=fr-sigma-state]").textContent()) ?? "", /stable|turbulent|warming/);
      const score = await numberIn(page, "[data-testid=fr-anomaly-value]");
      assert.ok(score >= 0 && score <= 1, `anomaly score ${score}`);
      assert.equal(await page.locator("[data-testid=fr-anomaly] line").count(), 1, "threshold line");
      // another tag from the selector (per browser: the server answers this socket only)
      await page.locator("[data-testid=fr-tag-select]").selectOption("T1.Level");
      await page.waitForFunction(() => /m\b/.test(document.querySelector("[data-testid=fr-detail-value]")?.textContent ?? ""), undefined, { timeout: 10_000 });
      const level = await numberIn(page, "[data-testid=fr-detail-value]");
      assert.ok(level > 5 && level < 8, `T1.Level ${level} m`);
      await assertNoOverflow(page, "tag detail");
      await openPage(page, stack.red.url, "tag", "?tag=W01.OilRate");
      await page.locator("[data-testid=fr-trend]").waitFor({ timeout: 15_000 });
      await page.screenshot({ path: path.join(shots, "dashboard2-tag.png") });
    });

    it("tank thermal: frame with interface overlay, levels over time, band thicknesses, reliability gauge, band and reasons", async function () {
      const { page } = admin;
      await openPage(page, stack.red.url, "thermal");
      const img = page.locator("[data-testid=fr-thermal-img]");
      await img.waitFor({ timeout: 15_000 });
      await page.waitForFunction(() => ((document.querySelector("[data-testid=fr-thermal-img]") as HTMLImageElement | null)?.naturalWidth ?? 0) === 640, undefined, { timeout: 10_000 });
      assert.ok((await page.locator("[data-testid=fr-interface]").count()) >= 2, "interfaces drawn over the frame");
      // the overlay is scaled with the image: same box, and the viewBox of the frame's pixel size
      const overlay = await page.evaluate(() => {
        const box = document.querySelector("[data-testid=fr-thermal-img]")!.getBoundingClientRect();
        const svg = document.querySelector("[data-testid=fr-thermal-frame] svg")!;
        const svgBox = svg.getBoundingClientRect();
        return { viewBox: svg.getAttribute("viewBox"), dw: Math.abs(box.width - svgBox.width), dh: Math.abs(box.height - svgBox.height) };
      });
      assert.deepEqual(overlay, { viewBox: "0 0 640 480", dw: 0, dh: 0 });
      const score = await numberIn(page, "[data-testid=fr-reliability-score]");
      assert.ok(score > 0 && score <= 100, `score ${score}`);
      const band = (await page.locator("[data-testid=fr-reliability-band]").textContent()) ?? "";
      const expected = score >= 80 ? "high" : score >= 60 ? "medium" : "low";
      assert.ok(band.includes(expected), `band "${band}" for score ${score}`);
      assert.ok((await page.locator("[data-testid=fr-band-bar]").count()) >= 3, "band thickness bars");
      assert.ok((await page.locator("[data-testid=fr-level-line]").count()) >= 2, "interface level lines");
      // the gauge widget shows the same score
      await page.waitForFunction((s) => Array.from(document.querySelectorAll(".nrdb-ui-gauge, [class*=gauge]")).some((g) => (g.textContent ?? "").includes(String(s))), score.toFixed(1).replace(/\.0$/, ""), { timeout: 10_000 });
      await assertNoOverflow(page, "thermal");
      await page.screenshot({ path: path.join(shots, "dashboard2-thermal.png") });
    });

    it("data quality: completeness per tag and day, gap list with severity, backfill status, stale watchdog", async function () {
      const { page } = admin;
      await openPage(page, stack.red.url, "quality");
      await page.waitForFunction((n) => document.querySelectorAll("[data-testid=fr-completeness-row]").length >= n, TAG_COUNT, { timeout: 15_000 });
      const cells = await page.locator('[data-testid=fr-completeness-row][data-topic="W02.GasRate"] [data-testid=fr-completeness-cell]').allTextContents();
      assert.ok(cells.filter((c) => /\d/.test(c)).length >= 6, `W02.GasRate completeness cells: ${cells.join(" ")}`);
      for (const severity of ["minor", "moderate"]) await page.locator(`[data-testid=fr-gap-row][data-severity=${severity}]`).first().waitFor({ timeout: 10_000 });
      for (const status of ["done", "failed", "pending"]) await page.locator(`[data-testid=fr-backfill-row][data-status=${status}]`).first().waitFor({ timeout: 10_000 });
      // stale watchdog: a tag that falls silent is listed within seconds
      stack.feeder.plant.silence("W03.Choke", 40, Date.now());
      await page.locator('[data-testid=fr-stale-row][data-topic="W03.Choke"]').waitFor({ timeout: 20_000 });
      await assertNoOverflow(page, "quality");
      await page.screenshot({ path: path.join(shots, "dashboard2-quality.png") });
    });

    it("ANH report: status machine per day, variables, deliveries; the admin's retry reaches fr-flow-anh-command", async function () {
      const { page } = admin;
      await openPage(page, stack.red.url, "report");
      await page.waitForFunction(() => document.querySelectorAll("[data-testid=fr-report-day]").length >= 5, undefined, { timeout: 15_000 });
      const failedDay = page.locator("[data-testid=fr-report-day][data-status=failed]");
      assert.equal(await failedDay.count(), 1);
      const date = (await failedDay.getAttribute("data-date")) ?? "";
      assert.equal(await page.locator("[data-testid=fr-report-day][data-status=uploaded]").count(), 4);
      await failedDay.click();
      assert.match((await page.locator("[data-testid=fr-status-machine] li.fr-done").allTextContents()).join(" "), /uploading/);
      assert.ok((await page.locator("[data-testid=fr-report-variables] tbody tr").count()) === 9, "one row per variable");
      assert.match((await page.locator("[data-testid=fr-report-variables]").textContent()) ?? "", /93\.4/);
      assert.match((await page.locator("[data-testid=fr-deliveries]").textContent()) ?? "", /530 Login incorrect/);
      await assertNoOverflow(page, "report");
      await page.screenshot({ path: path.join(shots, "dashboard2-report.png") });
      const before = (await commands(stack.red.url)).length;
      await page.locator("[data-testid=fr-retry]").click();
      const received = await waitForValue("the retry command", async () => (await commands(stack.red.url)).slice(before), 5_000);
      assert.deepEqual(received.map((c) => [c.command, c.date, c.requestedBy]), [["generate", date, ADMIN.username]]);
      await page.locator("[data-testid=fr-retry-notice]").waitFor({ timeout: 5_000 });
      assert.deepEqual(admin.errors, [], `console errors: ${admin.errors.join("\n")}`);
    });

    it("an operator sees no retry button, and a retry forged on the socket (even claiming to be an admin) is refused", async function () {
      const operator = await openDashboardBrowser(OPERATOR);
      try {
        await openPage(operator.page, stack.red.url, "report");
        await operator.page.waitForFunction(() => document.querySelectorAll("[data-testid=fr-report-day]").length >= 5, undefined, { timeout: 15_000 });
        await operator.page.locator("[data-testid=fr-report-day][data-status=failed]").click();
        await operator.page.waitForTimeout(1500); // the whoami answer has come back by now
        assert.equal(await operator.page.locator("[data-testid=fr-retry]").count(), 0);
        assert.deepEqual(operator.errors, [], `console errors: ${operator.errors.join("\n")}`);
      } finally {
        await operator.close();
      }
      const date = "2026-11-20";
      const before = (await commands(stack.red.url)).length;
      const logOffset = stack.red.logs().length;
      const forged = { payload: { action: "retry", date }, _client: { user: { username: ADMIN.username, role: "admin" } } };
      const answer = await sendAsClient(stack.red.url, basic(OPERATOR), "fr-d2-report", forged);
      assert.ok(answer.startsWith("40"), `socket refused: ${answer}`);
      await waitForValue("the refusal in the log", async () => stack.red.logs().slice(logOffset).includes(`retry of ${date} refused: user ${OPERATOR.username} is not an administrator`), 5_000);
      assert.equal((await commands(stack.red.url)).length, before, "a command went out");
      // the same hand-made client with the admin's credentials does get through: the refusal above is the role check
      await sendAsClient(stack.red.url, basic(ADMIN), "fr-d2-report", { payload: { action: "retry", date } });
      const received = await waitForValue("the admin's retry", async () => (await commands(stack.red.url)).slice(before), 5_000);
      assert.deepEqual(received.map((c) => [c.date, c.requestedBy]), [[date, ADMIN.username]]);
      // and without credentials the socket does not even connect
      const anonymous = await sendAsClient(stack.red.url, "", "fr-d2-report", { payload: { action: "retry", date } });
      assert.ok(!anonymous.startsWith("40"), `anonymous socket connected: ${anonymous}`);
      assert.equal((await commands(stack.red.url)).length, before + 1);
    });
  });

  describe("with the anomaly-service template and the package's real nodes", function () {
    let red: NodeRedProcess;
    let userDir: string;
    let browser: BrowserSession;

    before(async function () {
      ({ red, userDir } = await startRed("en"));
      await deploy(red.url, [...readFlowFile("dashboards/dashboard2/operator-dashboard.json"), ...readFlowFile("flows/anomaly-service.json")]);
      browser = await openDashboardBrowser(ADMIN);
    });

    after(async function () {
      await browser?.close();
      await red?.stop();
      if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
    });

    it("readings posted to the template's API appear on the overview, and a spike raises its alarm within 5 s", async function () {
      const post = async (body: unknown) => {
        const response = await fetch(`${red.url}/anomaly/readings`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        assert.ok(response.status < 300, `POST /anomaly/readings: HTTP ${response.status} ${await response.text()}`);
      };
      const tag = "W07.OilRate";
      const now = Date.now();
      const random = seededRandom(7);
      for (let i = 60; i >= 1; i--) await post({ tag, value: 800 + 4 * (random() - 0.5), timestamp: now - i * 1000, quality: 192 });
      const { page } = browser;
      await openPage(page, red.url, "overview");
      const card = page.locator(`[data-testid=fr-tag-card][data-topic="${tag}"]`);
      await card.waitFor({ timeout: 15_000 });
      const value = await numberIn(page, `[data-testid=fr-tag-card][data-topic="${tag}"] [data-testid=fr-tag-value]`);
      assert.ok(value > 797 && value < 803, `overview shows ${value}`);
      const injectedAt = Date.now();
      await post({ tag, value: 1400, timestamp: Date.now(), quality: 192 });
      await page.locator(`[data-testid=fr-alarm][data-topic="${tag}"]`).first().waitFor({ timeout: 5_000 });
      assert.ok(Date.now() - injectedAt <= 5_000);
      await page.waitForFunction((t) => (document.querySelector(`[data-testid=fr-tag-card][data-topic="${t}"] [data-testid=fr-tag-value]`)?.textContent ?? "").includes("1400"), tag, { timeout: 5_000 });
      assert.deepEqual(browser.errors, [], `console errors: ${browser.errors.join("\n")}`);
    });
  });

  describe("Spanish (DASHBOARD_LANG=es)", function () {
    let stack: Stack;
    let browser: BrowserSession;

    before(async function () {
      stack = await startStack("es");
      browser = await openDashboardBrowser(ADMIN);
    });

    after(async function () {
      await browser?.close();
      await stack?.stop();
    });

    it("labels, headings and page names are Spanish", async function () {
      const { page } = browser;
      const es = labels.es;
      await openPage(page, stack.red.url, "overview");
      await page.waitForFunction((n) => document.querySelectorAll("[data-testid=fr-tag-card]").length >= n, TAG_COUNT, { timeout: 20_000 });
      const text = (await page.locator("body").textContent()) ?? "";
      for (const key of ["alarms", "tags", "critical", "quality", "pageOverview", "pageReport", "pageQuality"]) assert.ok(text.includes(es[key]), `"${es[key]}" (${key}) missing`);
      for (const english of [labels.en.alarms, labels.en.pageOverview]) assert.ok(!text.includes(english), `English "${english}" on the page`);
      await openPage(page, stack.red.url, "report");
      await page.waitForFunction(() => document.querySelectorAll("[data-testid=fr-report-day]").length >= 5, undefined, { timeout: 15_000 });
      const report = (await page.locator("[data-testid=fr-report]").textContent()) ?? "";
      for (const key of ["reportStatus", "uploaded", "failed", "variables", "deliveries", "retry"]) assert.ok(report.includes(es[key]), `"${es[key]}" (${key}) missing on the report page`);
      await openPage(page, stack.red.url, "thermal");
      await page.locator("[data-testid=fr-thermal-details]").waitFor({ timeout: 15_000 });
      await page.waitForFunction((word) => (document.querySelector("[data-testid=fr-thermal-details]")?.textContent ?? "").includes(word), es.reasons, { timeout: 15_000 });
      assert.deepEqual(browser.errors, [], `console errors: ${browser.errors.join("\n")}`);
    });
  });
});
