/**
 * The Dashboard 1 (node-red-dashboard 3.6) variant in a real Node-RED 4.1 and a real browser: both
 * dashboard variants deployed side by side (Dashboard 1 at /ui, Dashboard 2 at /dashboard), a feeder
 * flow sending realistic messages to the `-d1` link ins, every page opened in Debian chromium.
 */
import assert from "assert";
import { type Page } from "playwright-core";
import { openBrowser, type BrowserSession } from "../support/browser";
import { deploy, readFlowFile, start, type NodeRedProcess } from "../support/node-red-process";
import { commands, event, feed, waitForFeeder, feederFlow, measurements, qualityMessages, reportMessages, thermalFrame, thermalMessage } from "./dashboard1-feed";

const ADMIN_PIN = "2468-test";

const dashboard1 = () => readFlowFile("dashboards/dashboard1/operator-dashboard.json");
const dashboard2 = () => readFlowFile("dashboards/dashboard2/operator-dashboard.json");


/**
 * node-red-dashboard 3.6.6's index.html shows `loading.html` (ng-include) while it connects, but the
 * package does not ship that file in dist/: every page load asks for it once and gets a 404, whatever the
 * flow. It is the only failure we let pass; anything else on the page is an error of ours.
 */
function isDashboardLoadingPage(url: string): boolean {
  return /\/ui\/loading\.html$/.test(url);
}

function openDashboardBrowser(width: number, height: number): Promise<BrowserSession> {
  return openBrowser({ width, height, trackHttpErrors: true, ignoreUrl: isDashboardLoadingPage });
}

/** Opens page `index` of Dashboard 1 (its tabs in order) and waits for its widgets. */
async function openPage(page: Page, url: string, index: number): Promise<void> {
  await page.goto(`${url}/ui/#!/${index}`, { waitUntil: "domcontentloaded" });
  await page.waitForSelector("md-content md-card", { timeout: 20_000 });
}

async function text(page: Page, selector: string, timeoutMs = 10_000): Promise<string> {
  const locator = page.locator(selector).first();
  await locator.waitFor({ state: "attached", timeout: timeoutMs });
  return (await locator.textContent()) ?? "";
}

/** Waits until the element's text contains `expected` (live updates arrive asynchronously). */
async function waitForText(page: Page, selector: string, expected: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    last = await page
      .locator(selector)
      .allTextContents()
      .then((all) => all.join(" | "))
      .catch(() => "");
    if (last.includes(expected)) return;
    if (Date.now() > deadline) throw new Error(`${selector} did not show "${expected}" within ${timeoutMs} ms; it shows "${last}"`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

async function feedEverything(url: string): Promise<void> {
  const now = Date.now();
  await feed(url, "measurement", measurements(now));
  await feed(url, "event", [
    event("violation", "critical", "W01.TubingPressure", "W01.TubingPressure: nelson-1 (1 point beyond 3σ)", { rule: "nelson-1" }),
    event("turbulent", "warning", "W01.OilRate", "W01.OilRate turned turbulent", { from: "stable", to: "turbulent" }),
    event("stale", "warning", "W03.Choke", "W03.Choke silent for 300 s", {}),
  ]);
  const frame = await thermalFrame();
  await feed(url, "thermal", [thermalMessage(frame, 83.4, "high", [])]);
  await feed(url, "quality", qualityMessages(now));
  await feed(url, "report", reportMessages());
}

describe("Dashboard 1 variant in Node-RED 4.1 and chromium", function () {
  this.timeout(180_000);

  describe("English, side by side with Dashboard 2", function () {
    let red: NodeRedProcess;
    let browser: BrowserSession;

    before(async function () {
      red = await start({ env: { DASHBOARD_LANG: "en", DASHBOARD_ADMIN_PIN: ADMIN_PIN } });
      await deploy(red.url, [...dashboard1(), ...dashboard2(), ...feederFlow(true)]);
      await waitForFeeder(red.url, red.logs);
      await feedEverything(red.url);
      browser = await openDashboardBrowser(1366, 768);
    });

    after(async function () {
      await browser?.close();
      await red?.stop();
    });

    it("serves both variants at once: Dashboard 1 at /ui and Dashboard 2 at /dashboard", async function () {
      for (const route of ["/ui/", "/dashboard/"]) {
        const response = await fetch(`${red.url}${route}`);
        const body = await response.text();
        assert.strictEqual(response.status, 200, `${route}: ${response.status}`);
        assert.match(body, /<html/i, route);
      }
      assert.deepStrictEqual(red.errors(), [], "the runtime logged errors");
    });

    it("both variants show the same fed reading in one browser: Dashboard 2 and Dashboard 1 live together", async function () {
      const { page } = browser;
      await page.goto(`${red.url}/dashboard/`, { waitUntil: "domcontentloaded" });
      await waitForText(page, "body", "W01.OilRate", 20_000);
      await waitForText(page, "body", "812.4", 20_000);
      await openPage(page, red.url, 0);
      await waitForText(page, "#fr-d1-tags", "812.4");
      // Dashboard 2's own console is its variant's business; this variant's pages are checked below.
      browser.errors.length = 0;
    });

    it("plant overview: every tag with its value and quality, the alarms with severity counts", async function () {
      const { page } = browser;
      await openPage(page, red.url, 0);
      await waitForText(page, "#fr-d1-tags", "W01.OilRate");
      const row = page.locator("#fr-d1-tags tr.fr-tag-row", { hasText: "W01.OilRate" });
      assert.strictEqual((await row.locator(".fr-value").textContent())?.trim(), "812.4");
      const bad = await page.locator("#fr-d1-tags tr.fr-tag-row", { hasText: "W02.GasRate" }).textContent();
      assert.match(bad ?? "", /bad \(0\)/);
      await waitForText(page, "#fr-d1-alarms", "W01.TubingPressure");
      assert.strictEqual((await text(page, "#fr-d1-alarms .fr-count-critical")).trim(), "Critical: 1");
      assert.strictEqual((await text(page, "#fr-d1-alarms .fr-count-warning")).trim(), "Warning: 2");
      const critical = page.locator("#fr-d1-alarms tr.fr-alarm", { hasText: "W01.TubingPressure" }).locator(".fr-critical");
      assert.strictEqual(await critical.count(), 1, "the violation is shown with the critical colour");
      assert.ok((await horizontalOverflow(page)) <= 0, "the overview overflows 1366 px");
    });

    it("an injected fault's alarm appears on the overview within 5 s, without reload", async function () {
      const { page } = browser;
      await openPage(page, red.url, 0);
      await waitForText(page, "#fr-d1-alarms", "W01.TubingPressure");
      const injected = Date.now();
      await feed(red.url, "event", [event("anomaly", "critical", "T1.Level", "T1.Level anomaly score 0.99", { score: 0.99 })]);
      await waitForText(page, "#fr-d1-alarms", "T1.Level anomaly score 0.99", 5000);
      assert.ok(Date.now() - injected < 5000);
      await waitForText(page, "#fr-d1-alarms .fr-count-critical", "Critical: 2", 5000);
      // Clearing events remove it again.
      await feed(red.url, "event", [event("anomaly-cleared", "info", "T1.Level", "T1.Level back to normal")]);
      await waitForText(page, "#fr-d1-alarms .fr-count-critical", "Critical: 1", 5000);
    });

    it("clicking a tag opens its detail: SPC violations with the rule, σ state, anomaly score", async function () {
      const { page } = browser;
      await openPage(page, red.url, 0);
      await page.locator("#fr-d1-tags tr.fr-tag-row", { hasText: "W01.TubingPressure" }).click();
      await page.waitForURL(/#!\/1/, { timeout: 10_000 });
      await waitForText(page, "#fr-d1-violations", "nelson-1");
      await waitForText(page, "#fr-d1-violations", "W01.TubingPressure");
      await waitForText(page, "#fr-d1-sigma-state", "turbulent");
      // The trend: value, centre and limits drawn, a marker with its rule at the violating point.
      await waitForText(page, "#fr-d1-trend .fr-trend-rule", "nelson-1");
      assert.strictEqual(await page.locator("#fr-d1-trend .fr-trend-marker").count(), 1);
      for (const line of ["value", "center", "ucl", "lcl"]) {
        const points = (await page.locator(`#fr-d1-trend .fr-trend-${line}`).getAttribute("points")) ?? "";
        assert.strictEqual(points.trim().split(/\s+/).length, 30, `${line}: ${points}`);
      }
      // The marker sits above the UCL line at the right end (the last reading broke nelson-1).
      const marker = await page.locator("#fr-d1-trend .fr-trend-dot").boundingBox();
      const ucl = await page.locator("#fr-d1-trend .fr-trend-ucl").boundingBox();
      assert.ok(marker && ucl && marker.y + marker.height / 2 < ucl.y + 2 && marker.x > ucl.x + ucl.width * 0.9, `${JSON.stringify(marker)} vs ${JSON.stringify(ucl)}`);
      // σ and anomaly score charts drawn on canvases, and the score gauge.
      assert.ok((await page.locator("canvas").count()) >= 2);
      await waitForText(page, "md-card", "0.870");
      assert.ok((await horizontalOverflow(page)) <= 0);
    });

    it("tank thermal: the frame with the interfaces, bands, reliability score and band", async function () {
      const { page } = browser;
      await openPage(page, red.url, 2);
      await page.waitForSelector("#fr-d1-frame img[src^='data:image/png;base64,']", { timeout: 10_000 });
      const interfaces = await page.locator("#fr-d1-frame .fr-interface").allTextContents();
      assert.deepStrictEqual(
        interfaces.map((s) => s.trim()),
        ["air/crude 7.76 m", "crude/emulsion 3.13 m", "emulsion/water 1.74 m"],
      );
      await waitForText(page, "#fr-d1-frame", "crude 46.3 %");
      await waitForText(page, "md-card", "83.4");
      assert.strictEqual((await text(page, "#fr-d1-reasons .fr-score-band")).trim(), "high");
      // A new measurement replaces the old one live.
      await feed(red.url, "thermal", [thermalMessage(await thermalFrame(), 55.2, "low", ["flow 410 is 3.0σ from its stable 250 ± 53: operation not steady"])]);
      await waitForText(page, "#fr-d1-reasons", "operation not steady");
      await waitForText(page, "#fr-d1-reasons .fr-score-band", "low");
      await waitForText(page, "md-card", "55.2");
    });

    it("data quality: completeness per day, gaps with severity, backfill status, stale watchdog", async function () {
      const { page } = browser;
      await openPage(page, red.url, 3);
      await waitForText(page, "#fr-d1-completeness", "97.2");
      const gap = await text(page, "#fr-d1-gaps tr.fr-gap-row");
      assert.match(gap, /W01\.OilRate/);
      assert.match(gap, /40 min/);
      assert.match(gap, /39/);
      assert.match(gap, /minor/);
      await waitForText(page, "#fr-d1-backfill", "requested");
      await waitForText(page, "#fr-d1-backfill", "failed");
      await waitForText(page, "#fr-d1-stale", "W03.Choke");
      assert.ok((await horizontalOverflow(page)) <= 0);
    });

    it("ANH report: status machine, per-variable figures, attempts; retry only after the admin PIN", async function () {
      const { page } = browser;
      await openPage(page, red.url, 4);
      await waitForText(page, "#fr-d1-status .fr-latest-date", "2026-11-22");
      assert.strictEqual((await text(page, "#fr-d1-status .fr-step.fr-critical")).trim(), "failed");
      const rows = await page.locator("#fr-d1-status tr.fr-report-row").allTextContents();
      assert.strictEqual(rows.length, 2);
      assert.match(rows[1], /2026-11-21\s*uploaded/);
      await waitForText(page, "#fr-d1-variables", "GAS_RATE");
      const gas = await page.locator("#fr-d1-variables tr.fr-variable-row", { hasText: "GAS_RATE" }).textContent();
      assert.match(gas ?? "", /14\s*93\.5\s*no/);
      await waitForText(page, "#fr-d1-deliveries", "ANH_REPORT_20261122.json");
      assert.strictEqual((await page.locator("#fr-d1-deliveries tr.fr-delivery-row", { hasText: "20261122" }).locator(".fr-attempts").textContent())?.trim(), "3");

      const retry = page.locator("md-card button", { hasText: "Retry failed report" });
      await retry.click();
      await waitForText(page, "md-card", "Retry refused: administrators only");
      assert.deepStrictEqual(await commands(red.url), []);

      const pin = page.locator("md-card input[type=password]");
      await pin.fill("wrong");
      await pin.press("Enter");
      await waitForText(page, "md-card", "Wrong PIN");
      await pin.fill(ADMIN_PIN);
      await pin.press("Enter");
      await waitForText(page, "md-card", "Administrator unlocked");
      await retry.click();
      await waitForText(page, "md-card", "Retry requested for 2026-11-22");
      assert.deepStrictEqual(await commands(red.url), [{ command: "generate", date: "2026-11-22" }]);
    });

    it("nothing overflows a 1920×1080 control-room screen either", async function () {
      const wide = await openDashboardBrowser(1920, 1080);
      try {
        for (let index = 0; index < 5; index += 1) {
          await openPage(wide.page, red.url, index);
          await wide.page.waitForTimeout(300);
          assert.ok((await horizontalOverflow(wide.page)) <= 0, `page ${index} overflows 1920 px`);
        }
        assert.deepStrictEqual(wide.errors, []);
      } finally {
        await wide.close();
      }
    });

    it("no console errors on any page", async function () {
      for (let index = 0; index < 5; index += 1) {
        await openPage(browser.page, red.url, index);
        await browser.page.waitForTimeout(300);
        assert.ok((await horizontalOverflow(browser.page)) <= 0, `page ${index} overflows 1366 px`);
      }
      assert.deepStrictEqual(browser.errors, []);
    });
  });

  describe("Spanish labels with DASHBOARD_LANG=es", function () {
    let red: NodeRedProcess;
    let browser: BrowserSession;

    before(async function () {
      red = await start({ env: { DASHBOARD_LANG: "es", DASHBOARD_ADMIN_PIN: undefined } });
      await deploy(red.url, [...dashboard1(), ...feederFlow(false)]);
      await waitForFeeder(red.url, red.logs);
      await feedEverything(red.url);
      browser = await openDashboardBrowser(1366, 768);
    });

    after(async function () {
      await browser?.close();
      await red?.stop();
    });

    it("shows the pages, groups and widgets in Spanish", async function () {
      const { page } = browser;
      await openPage(page, red.url, 0);
      await waitForText(page, "#fr-d1-tags", "W01.OilRate");
      const header = await page.locator("#fr-d1-tags th").allTextContents();
      assert.deepStrictEqual(header.map((s) => s.trim()), ["Variable", "Valor", "Calidad", "Estado", "Actualizado"]);
      await waitForText(page, "#fr-d1-tags", "mala (0)");
      await waitForText(page, "#fr-d1-alarms .fr-count-critical", "Crítica: 1");
      await waitForText(page, "md-toolbar", "Resumen de planta");
      await waitForText(page, "body", "Alarmas activas");
      const menu = await page.evaluate(() => document.body.innerHTML);
      for (const name of ["Detalle de variable", "Térmica del tanque", "Calidad de datos", "Reporte ANH"]) assert.ok(menu.includes(name), `menu lacks ${name}`);
      await openPage(page, red.url, 4);
      await waitForText(page, "#fr-d1-status", "fallido");
      await page.locator("md-card button", { hasText: "Reintentar reporte fallido" }).click();
      await waitForText(page, "md-card", "Reintento rechazado: solo administradores");
      const pin = page.locator("md-card input[type=password]");
      await pin.fill("anything");
      await pin.press("Enter");
      // Without DASHBOARD_ADMIN_PIN nobody can unlock the retry.
      await waitForText(page, "md-card", "Reintento deshabilitado");
      assert.deepStrictEqual(await commands(red.url), []);
      assert.deepStrictEqual(browser.errors, []);
    });
  });
});
