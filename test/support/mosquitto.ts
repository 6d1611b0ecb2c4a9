/**
 * Debian's mosquitto broker on 127.0.0.1 and a free port, with a temporary config (anonymous access,
 * no persistence), started and stopped by the test.
 */
import { spawn, type ChildProcess } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { freePort, portAnswers } from "./ports";

export const MOSQUITTO = "/usr/sbin/mosquitto";


export class Mosquitto {
  private exited: Promise<void>;
  /** what the broker wrote, for the failure message when it does not start */
  private output = "";

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly process: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => process.once("exit", () => resolve()));
    process.stdout?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    process.stderr?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<Mosquitto> {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-mosquitto-"));
    const config = path.join(dir, "mosquitto.conf");
    fs.writeFileSync(config, [`listener ${port} 127.0.0.1`, "allow_anonymous true", "persistence false", "log_dest stdout", "log_type error", "log_type warning"].join("\n") + "\n");
    const broker = new Mosquitto(port, dir, spawn(MOSQUITTO, ["-c", config], { stdio: ["ignore", "pipe", "pipe"] }));
    const deadline = Date.now() + 10_000;
    while (!(await portAnswers(port))) {
      if (Date.now() > deadline) {
        await broker.stop();
        throw new Error(`mosquitto did not start on port ${port}: ${broker.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return broker;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill("SIGTERM");
    await this.exited;
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
