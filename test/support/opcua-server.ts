/**
 * A real node-opcua server for the OPC UA tests, on 127.0.0.1 and a free port: a small well-pad
 * address space (ns=1;s=Well01.<tag>) whose values and status codes the test sets, stoppable and
 * restartable on the same port (a plant server reboot), with an optional user/password and the
 * security modes the client may pick. Its PKI lives in a temporary directory; it accepts unknown
 * client certificates, as a commissioning engineer trusting the Node-RED client would.
 */
import fs from "fs";
import os from "os";
import path from "path";
import {
  DataType,
  DataValue,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  StatusCodes,
  Variant,
  type StatusCode,
  type UAVariable,
} from "node-opcua";
import { freePort } from "./ports";
export { freePort };

/** The well variables and their starting values. */
export const WELL_TAGS = {
  OilRate: 812.5,
  WaterRate: 1210.0,
  GasRate: 3.42,
  TubingPressure: 645.2,
  CasingPressure: 910.7,
  Temperature: 78.4,
  Choke: 32,
} as const;
export type WellTag = keyof typeof WELL_TAGS;

export const nodeIdOf = (tag: WellTag | string): string => `ns=1;s=Well01.${tag}`;

export interface TestOpcuaServerOptions {
  /** when set, only this user may open a session (no anonymous access) */
  user?: { userName: string; password: string };
  /** security modes offered besides None (None is always offered so discovery works) */
  secure?: boolean;
  /** extra variables named ns=1;s=Well01.Extra<i>, for the benchmark */
  extraVariables?: number;
  /**
   * Variables made AnalogItems with this EURange (engineering units range), which a percent deadband
   * needs; the others stay plain variables, which a server refuses a percent deadband for.
   */
  euRanges?: Partial<Record<string, { low: number; high: number }>>;
}

interface VariableState {
  value: number;
  status: StatusCode;
  sourceTimestamp: Date;
}

export class TestOpcuaServer {
  readonly endpointUrl: string;
  private server: OPCUAServer | null = null;
  private readonly variables = new Map<string, UAVariable>();
  /** Values live here so a restarted server starts from what the test set last. */
  private readonly state = new Map<string, VariableState>();
  readonly pkiDir: string;
  /** sessions the server has activated, all runs together */
  sessionsActivated = 0;
  /** user/password checks that failed, all runs together */
  rejectedLogins = 0;

  private constructor(
    readonly port: number,
    private readonly options: TestOpcuaServerOptions,
  ) {
    // "localhost" rather than 127.0.0.1: node-opcua matches the URL against the certificate's host names.
    this.endpointUrl = `opc.tcp://127.0.0.1:${port}/UA/WellPad`;
    this.pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-opcua-server-pki-"));
    const now = new Date();
    for (const [tag, value] of Object.entries(WELL_TAGS)) this.state.set(tag, { value, status: StatusCodes.Good, sourceTimestamp: now });
    for (let i = 0; i < (options.extraVariables ?? 0); i++) this.state.set(`Extra${i}`, { value: i, status: StatusCodes.Good, sourceTimestamp: now });
  }

  static async start(options: TestOpcuaServerOptions = {}): Promise<TestOpcuaServer> {
    const server = new TestOpcuaServer(await freePort(), options);
    await server.start();
    return server;
  }

  get isRunning(): boolean {
    return this.server !== null;
  }

  /** Starts (again) on the same port, with the last values set. */
  async start(): Promise<void> {
    if (this.server) return;
    const user = this.options.user;
    const certificateManager = new OPCUACertificateManager({ rootFolder: this.pkiDir, automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true });
    const server = new OPCUAServer({
      port: this.port,
      hostname: "127.0.0.1",
      resourcePath: "/UA/WellPad",
      serverCertificateManager: certificateManager,
      securityModes: this.options.secure ? [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt] : [MessageSecurityMode.None],
      securityPolicies: this.options.secure ? [SecurityPolicy.None, SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes128_Sha256_RsaOaep] : [SecurityPolicy.None],
      allowAnonymous: user === undefined,
      userManager:
        user === undefined
          ? undefined
          : {
              isValidUser: (userName: string, password: string) => {
                const ok = userName === user.userName && password === user.password;
                if (!ok) this.rejectedLogins++;
                return ok;
              },
            },
      maxConnectionsPerEndpoint: 50,
    });
    await server.initialize();
    const addressSpace = server.engine.addressSpace;
    if (!addressSpace) throw new Error("the OPC UA server has no address space");
    const namespace = addressSpace.getOwnNamespace();
    const well = namespace.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: "Well01" });
    for (const tag of this.state.keys()) {
      const euRange = this.options.euRanges?.[tag];
      const common = { componentOf: well, browseName: tag, nodeId: nodeIdOf(tag), dataType: "Double", minimumSamplingInterval: 50 };
      const variable: UAVariable = euRange === undefined ? namespace.addVariable(common) : namespace.addAnalogDataItem({ ...common, engineeringUnitsRange: euRange });
      const current = this.state.get(tag) as VariableState;
      variable.setValueFromSource(new Variant({ dataType: DataType.Double, value: current.value }), current.status, current.sourceTimestamp);
      this.variables.set(tag, variable);
    }
    server.on("session_activated", () => this.sessionsActivated++);
    await server.start();
    this.server = server;
  }

  /** Sets a value (and its status and source time) as the field device would. */
  set(tag: string, value: number, status: StatusCode = StatusCodes.Good, sourceTimestamp = new Date()): void {
    if (!this.state.has(tag)) throw new Error(`no variable ${tag}`);
    this.state.set(tag, { value, status, sourceTimestamp });
    // While stopped the value is kept for the next start.
    this.variables.get(tag)?.setValueFromSource(new Variant({ dataType: DataType.Double, value }), status, sourceTimestamp);
  }

  /** The value as the server holds it now. */
  read(tag: string): DataValue {
    const variable = this.variables.get(tag);
    if (!variable) throw new Error(`no variable ${tag}`);
    return variable.readValue();
  }

  /** Sessions open on the server now. */
  get sessionCount(): number {
    return this.server ? this.server.engine.currentSessionCount : 0;
  }

  /** Subscriptions alive on the server now, over all sessions. */
  get subscriptionCount(): number {
    return this.server ? this.server.engine.currentSubscriptionCount : 0;
  }

  /** Stops the server (the port is freed): clients see the connection drop. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    this.variables.clear();
    await server.shutdown(0);
  }

  /** Stops the server and deletes its PKI. */
  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.pkiDir, { recursive: true, force: true });
  }
}
