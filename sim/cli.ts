/**
 * `npm run sim`: the simulated plant on its own, configured by environment variables (docs/simulator.md).
 * Prints one JSON line `{"ready": true, "urls": {...}}` on stdout once every server listens (scripts/start.js
 * reads it to learn the ports chosen for 0), then a line per minute of simulated state; stops cleanly on
 * SIGINT/SIGTERM.
 *
 * SIM_OPCUA_PORT, SIM_MODBUS_PORT, SIM_HTTP_PORT, SIM_MQTT_PORT: a port, 0 = any free one, "off" = not
 * started (defaults 4840, 5020, 8090, 1883); SIM_HOST (127.0.0.1); SIM_WELLS (3); SIM_SEED (1); SIM_RATE
 * (1 simulated second per second); SIM_FAULT_INTERVAL_S (mean seconds between random faults, 600; 0 = none);
 * SIM_FAULTS (a JSON array of scheduled faults, or @file.json); SIM_MQTT_PUBLISH (on|off, on); SITE (demo).
 */
import fs from "fs";
import { InputError } from "../lib/common/errors";
import type { ScheduledFault } from "../lib/simulator/faults";
import { DEFAULT_PORTS, startPlant, type PlantServerOptions } from "./plant-server";

function numberFrom(name: string, fallback: number, check: (n: number) => boolean, expected: string): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === "") return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || !check(value)) throw new InputError(name, `expected ${expected}, got ${JSON.stringify(text)}`);
  return value;
}

function portFrom(name: string, fallback: number): number | false {
  if ((process.env[name] ?? "").trim().toLowerCase() === "off") return false;
  return numberFrom(name, fallback, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, "a port 0-65535 (0 = any free port) or off");
}

function faultsFrom(name: string): ScheduledFault[] {
  const text = (process.env[name] ?? "").trim();
  if (text === "") return [];
  const json = text.startsWith("@") ? fs.readFileSync(text.slice(1), "utf8") : text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new InputError(name, "expected a JSON array of {tag, kind, durationS, atS | start, magnitude?} (or @file.json)");
  }
  if (!Array.isArray(parsed)) throw new InputError(name, "expected a JSON array of {tag, kind, durationS, atS | start, magnitude?}");
  return parsed as ScheduledFault[];
}

export function optionsFromEnv(): PlantServerOptions {
  const faultInterval = numberFrom("SIM_FAULT_INTERVAL_S", 600, (n) => n >= 0, "seconds >= 0 (0 = no random faults)");
  return {
    ports: {
      opcua: portFrom("SIM_OPCUA_PORT", DEFAULT_PORTS.opcua),
      modbus: portFrom("SIM_MODBUS_PORT", DEFAULT_PORTS.modbus),
      http: portFrom("SIM_HTTP_PORT", DEFAULT_PORTS.http),
      mqtt: portFrom("SIM_MQTT_PORT", DEFAULT_PORTS.mqtt),
    },
    host: process.env.SIM_HOST || "127.0.0.1",
    wells: numberFrom("SIM_WELLS", 3, (n) => Number.isInteger(n) && n >= 1, "a whole number >= 1"),
    seed: numberFrom("SIM_SEED", 1, Number.isInteger, "a whole number"),
    rate: numberFrom("SIM_RATE", 1, (n) => n > 0, "simulated seconds per second > 0"),
    randomFaults: faultInterval > 0 ? { meanIntervalS: faultInterval } : undefined,
    faults: faultsFrom("SIM_FAULTS"),
    mqttPublish: (process.env.SIM_MQTT_PUBLISH ?? "on").trim().toLowerCase() !== "off",
    site: process.env.SITE || "demo",
  };
}

async function main(): Promise<void> {
  const plant = await startPlant(optionsFromEnv());
  console.log(JSON.stringify({ ready: true, urls: plant.urls }));
  const report = setInterval(() => {
    const s = plant.simulator.status();
    const faults = s.activeFaults.map((f) => `${f.kind} ${f.tag}`).join(", ") || "none";
    console.log(`[sim] ${new Date(s.timeMs).toISOString()} tank level ${s.tank.level.toFixed(2)} m, faults: ${faults}`);
  }, 60_000);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(report);
    plant.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`[sim] stop after ${signal} failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`[sim] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
