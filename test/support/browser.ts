/**
 * Debian chromium driven by playwright-core, as ../shared/README.md prescribes (flags, a fresh user-data-dir
 * per session). Every page error and console error is collected in `errors` for the test to assert on;
 * `ignoreUrl` names what a test deliberately lets pass (with its reason at the call site).
 */
import fs from "fs";
import os from "os";
import path from "path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** page errors, console errors and (with trackHttpErrors) HTTP answers >= 400, in order */
  errors: string[];
  close(): Promise<void>;
}

export interface BrowserOptions {
  width?: number;
  height?: number;
  locale?: string;
  httpCredentials?: { username: string; password: string };
  /** also record every HTTP answer >= 400 (the console only says "Failed to load resource") */
  trackHttpErrors?: boolean;
  /** console errors and HTTP failures from these URLs are not recorded */
  ignoreUrl?: (url: string) => boolean;
}

export async function openBrowser(options: BrowserOptions = {}): Promise<BrowserSession> {
  // A missing browser is a failed test, never a skipped one: CI installs chromium from .ci/apt-packages.
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const ignored = options.ignoreUrl ?? (() => false);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "fr-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: options.width ?? 1366, height: options.height ?? 768 },
    ...(options.locale ? { locale: options.locale } : {}),
    ...(options.httpCredentials ? { httpCredentials: { ...options.httpCredentials, send: "always" as const } } : {}),
  });
  const errors: string[] = [];
  // Every page of the context is watched, also those a test opens later (a second dashboard in a new tab).
  const watch = (page: Page): void => {
    page.on("console", (message) => {
      const url = message.location().url;
      if (message.type() === "error" && !ignored(url)) errors.push(`${page.url()}: ${message.text()}${url ? ` (${url})` : ""}`);
    });
    page.on("pageerror", (err) => errors.push(`${page.url()}: ${err.message}`));
    if (options.trackHttpErrors) {
      page.on("response", (response) => {
        if (response.status() >= 400 && !ignored(response.url())) errors.push(`${page.url()}: HTTP ${response.status()} ${response.url()}`);
      });
    }
  };
  for (const open of context.pages()) watch(open);
  context.on("page", watch);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
