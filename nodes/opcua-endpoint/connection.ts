import os from "os";
import path from "path";
import type { Node } from "node-red";
import {
  AttributeIds,
  ClientMonitoredItemGroup,
  DataChangeFilter,
  DataChangeTrigger,
  DeadbandType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  TimestampsToReturn,
  UserTokenType,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
  type UserIdentityInfo,
} from "node-opcua";
import type { EndpointConfig } from "../../lib/opcua/endpoint-config";
import type { MonitoredTag, SubscriptionSettings } from "../../lib/opcua/items";
import { Reconnector, type LinkState } from "../../lib/opcua/reconnect";
import type { InputError } from "../../lib/common/errors";

/** What an opcua-in node hands to the shared connection: its items and where their values go. */
export interface SubscriptionConsumer {
  readonly tags: readonly MonitoredTag[];
  readonly settings: SubscriptionSettings;
  onDataValue(index: number, dataValue: DataValue): void;
  onLinkState(state: LinkState, detail: string): void;
  /** items the server refused (unknown NodeId, ...), reported once per subscription */
  onItemErrors(errors: string[]): void;
}

export interface EndpointCredentials {
  user?: string;
  password?: string;
}

/** The opcua-endpoint config node as the opcua-in nodes see it. */
export interface OpcuaEndpointNode extends Node<EndpointCredentials> {
  /** null when the configuration is invalid (see configError) */
  connection: EndpointConnection | null;
  configError: InputError | null;
  endpointUrl: string;
}

/** The PKI folder of the client certificate: beside the flows, so it survives updates of the package. */
export function pkiFolder(userDir: string | undefined): string {
  return path.join(userDir ?? path.join(os.homedir(), ".node-red"), "opcua-pki");
}

/** Steps that may hang on a dead network are bounded, so a teardown never blocks a redeploy. */
const STEP_TIMEOUT_MS = 5000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    if (timer !== null) clearTimeout(timer);
  });
}

/** Status codes a server answers for a data change filter it cannot apply to an item. */
const FILTER_REFUSALS = ["BadFilterNotAllowed", "BadMonitoredItemFilterUnsupported", "BadMonitoredItemFilterInvalid", "BadDeadbandFilterInvalid"];

/**
 * What to do about a refused deadband, after the status code: a percent deadband is a percentage of the
 * variable's EURange, which only AnalogItems have, so a server refuses it for other variables.
 */
function filterHint(tag: MonitoredTag, status: string): string {
  if (tag.deadbandType === "none" || !FILTER_REFUSALS.some((name) => status.includes(name))) return "";
  return tag.deadbandType === "percent"
    ? ` (the server refuses the ${tag.deadband} % deadband: the variable has no EURange, or the server supports no percent deadband; use an absolute deadband in engineering units, or none)`
    : ` (the server refuses the absolute deadband ${tag.deadband} for this variable; remove it)`;
}

/** Items sharing one deadband go in one CreateMonitoredItems request (node-opcua takes one filter per call). */
function groupByDeadband(tags: readonly MonitoredTag[]): number[][] {
  const groups = new Map<string, number[]>();
  tags.forEach((tag, index) => {
    const key = `${tag.deadbandType}:${tag.deadband}`;
    const group = groups.get(key);
    if (group) group.push(index);
    else groups.set(key, [index]);
  });
  return [...groups.values()];
}

function dataChangeFilter(tag: MonitoredTag): DataChangeFilter | null {
  if (tag.deadbandType === "none") return null;
  return new DataChangeFilter({
    trigger: DataChangeTrigger.StatusValue,
    deadbandType: tag.deadbandType === "absolute" ? DeadbandType.Absolute : DeadbandType.Percent,
    deadbandValue: tag.deadband,
  });
}

/**
 * One OPC UA client session per opcua-endpoint config node, shared by every opcua-in node that uses it
 * (one subscription each). Any loss (socket closed, keep-alive failed, session or subscription gone) tears
 * the whole client down and the Reconnector builds client, session and every subscription again.
 */
export class EndpointConnection {
  private readonly consumers = new Set<SubscriptionConsumer>();
  private readonly subscriptions = new Map<SubscriptionConsumer, ClientSubscription>();
  private readonly reconnector: Reconnector;
  private client: OPCUAClient | null = null;
  private session: ClientSession | null = null;
  private certificateManager: OPCUACertificateManager | null = null;
  /** bumped on every teardown: events of an old client are ignored */
  private generation = 0;
  private lostWhileConnecting: string | null = null;
  private linkState: LinkState = "idle";
  private linkDetail = "";

  constructor(
    private readonly config: EndpointConfig,
    private readonly credentials: EndpointCredentials,
    private readonly pkiDir: string,
  ) {
    this.reconnector = new Reconnector(config.reconnect, {
      connect: () => this.connect(),
      teardown: () => this.teardown(),
      onState: (state, detail) => {
        this.linkState = state;
        this.linkDetail = detail;
        for (const consumer of this.consumers) consumer.onLinkState(state, detail);
      },
    });
  }

  get state(): LinkState {
    return this.reconnector.current;
  }

  /** for tests: the session now open (null while disconnected) */
  get currentSession(): ClientSession | null {
    return this.session;
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  get refusedRetrySeconds(): number {
    return this.config.reconnect.refusedDelayMs / 1000;
  }

  get hasRetryTimer(): boolean {
    return this.reconnector.hasTimer;
  }

  attach(consumer: SubscriptionConsumer): void {
    this.consumers.add(consumer);
    consumer.onLinkState(this.linkState, this.linkDetail);
    const session = this.session;
    if (session !== null && this.reconnector.current === "connected") {
      const generation = this.generation;
      this.subscribe(consumer, session, generation).catch((err: Error) => this.lost(generation, `subscription failed: ${err.message}`));
    }
    this.reconnector.start();
  }

  /** Deletes the consumer's subscription on the server (the session stays for the others). */
  async detach(consumer: SubscriptionConsumer): Promise<void> {
    this.consumers.delete(consumer);
    const subscription = this.subscriptions.get(consumer);
    this.subscriptions.delete(consumer);
    if (subscription) await withTimeout(subscription.terminate(), STEP_TIMEOUT_MS, "deleting the subscription").catch(() => undefined);
  }

  /** Closes session, client and retry timer. */
  async close(): Promise<void> {
    this.consumers.clear();
    await this.reconnector.close();
    const manager = this.certificateManager;
    this.certificateManager = null;
    await manager?.dispose();
  }

  private lost(generation: number, reason: string): void {
    if (generation !== this.generation) return;
    if (this.reconnector.current === "connected") this.reconnector.lost(reason);
    else this.lostWhileConnecting ??= reason;
  }

  private identity(): UserIdentityInfo {
    if (this.config.authentication === "username") {
      return { type: UserTokenType.UserName, userName: this.credentials.user ?? "", password: this.credentials.password ?? "" };
    }
    return { type: UserTokenType.Anonymous };
  }

  private async connect(): Promise<void> {
    const generation = this.generation;
    this.lostWhileConnecting = null;
    if (this.certificateManager === null) {
      // node-opcua creates the client certificate (own/certs) on first use and keeps trusted/rejected
      // server certificates beside it. File watchers stay off: nothing is left running on redeploy, and a
      // certificate moved to trusted/ by hand is read at the next deploy.
      const manager = new OPCUACertificateManager({
        rootFolder: this.pkiDir,
        automaticallyAcceptUnknownCertificate: this.config.acceptUnknownServerCertificate,
        disableFileWatchers: true,
      });
      await manager.initialize();
      this.certificateManager = manager;
    }
    const client = OPCUAClient.create({
      applicationName: "node-red-contrib-field-reliability",
      endpointMustExist: false,
      securityMode: MessageSecurityMode[this.config.securityMode],
      securityPolicy: SecurityPolicy[this.config.securityPolicy],
      // Our Reconnector owns retries (see lib/opcua/reconnect.ts); node-opcua's own loop stays off.
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
      clientCertificateManager: this.certificateManager,
      keepSessionAlive: true,
      requestedSessionTimeout: 60_000,
      // A link that dies without a close (a black hole: cable, radio or VPN gone) is found only by a
      // request that goes unanswered. node-opcua's defaults (a keep-alive read after 10 s of silence,
      // answered within 15 s) took 25 s; a read after 2.5 s of silence that must answer within 10 s
      // finds it in about 12 s, and a slow but live plant link still answers in time.
      keepAliveInterval: 5000,
      defaultTransactionTimeout: 10_000,
    });
    this.client = client;
    const lost = (reason: string) => () => this.lost(generation, reason);
    client.on("connection_lost", lost("connection lost"));
    client.on("close", lost("connection closed"));
    await withTimeout(client.connect(this.config.endpointUrl), 15_000, "connecting");
    const session = await withTimeout(client.createSession(this.identity()), 15_000, "opening the session");
    this.session = session;
    session.on("session_closed", lost("session closed by the server"));
    session.on("keepalive_failure", lost("keep-alive failed"));
    for (const consumer of this.consumers) await this.subscribe(consumer, session, generation);
    if (this.lostWhileConnecting !== null) throw new Error(this.lostWhileConnecting);
  }

  private async subscribe(consumer: SubscriptionConsumer, session: ClientSession, generation: number): Promise<void> {
    const { settings, tags } = consumer;
    const subscription = await withTimeout(
      session.createSubscription2({
        requestedPublishingInterval: settings.publishingIntervalMs,
        // Keep-alive at most every ~10 s and a lifetime three times that: a dead link is noticed, a slow
        // publishing interval is not mistaken for one.
        requestedMaxKeepAliveCount: Math.max(3, Math.ceil(10_000 / settings.publishingIntervalMs)),
        requestedLifetimeCount: 3 * Math.max(3, Math.ceil(10_000 / settings.publishingIntervalMs)),
        maxNotificationsPerPublish: 0,
        publishingEnabled: true,
        priority: 1,
      }),
      STEP_TIMEOUT_MS,
      "creating the subscription",
    );
    if (generation !== this.generation || !this.consumers.has(consumer)) {
      await subscription.terminate().catch(() => undefined);
      return;
    }
    this.subscriptions.set(consumer, subscription);
    subscription.on("terminated", () => {
      if (this.subscriptions.get(consumer) === subscription) this.lost(generation, "subscription terminated");
    });
    subscription.on("internal_error", (err: Error) => this.lost(generation, `subscription error: ${err.message}`));
    const errors: string[] = [];
    for (const indexes of groupByDeadband(tags)) {
      const filter = dataChangeFilter(tags[indexes[0]]);
      // The listener goes on before the items exist: the server's first notification (the current value)
      // can be handled in the same tick as the CreateMonitoredItems response, before an awaited
      // monitorItems() would have returned, and would be lost.
      const group = ClientMonitoredItemGroup.create(
        subscription,
        indexes.map((i) => ({ nodeId: tags[i].nodeId, attributeId: AttributeIds.Value })),
        { samplingInterval: settings.samplingIntervalMs, queueSize: settings.queueSize, discardOldest: true, ...(filter ? { filter } : {}) },
        TimestampsToReturn.Both,
      );
      group.on("changed", (_item, dataValue: DataValue, groupIndex: number) => consumer.onDataValue(indexes[groupIndex], dataValue));
      // A refused item is reported, not a reason to reconnect: node-opcua emits "err" when the only item
      // of a request is refused, which a retry would only repeat.
      const failure = await withTimeout(
        new Promise<string | null>((resolve) => {
          group.once("initialized", () => resolve(null));
          group.once("err", (message: string) => resolve(message));
        }),
        STEP_TIMEOUT_MS * 4,
        "creating the monitored items",
      );
      if (failure !== null) {
        errors.push(`${indexes.map((i) => `${tags[i].tag} (${tags[i].nodeId})`).join(", ")}: ${failure}${filterHint(tags[indexes[0]], failure)}`);
        continue;
      }
      group.monitoredItems.forEach((item, groupIndex) => {
        const tag = tags[indexes[groupIndex]];
        if (item.statusCode.isNotGood()) errors.push(`${tag.tag} (${tag.nodeId}): ${item.statusCode.name}${filterHint(tag, item.statusCode.name)}`);
      });
    }
    if (errors.length > 0) consumer.onItemErrors(errors);
  }

  private async teardown(): Promise<void> {
    this.generation++;
    const client = this.client;
    this.client = null;
    this.session = null;
    this.subscriptions.clear();
    if (client === null) return;
    // disconnect() closes the session and deletes its subscriptions on the server when it can still be
    // reached; bounded, because on a dead link it would wait for the transport timeout.
    await withTimeout(client.disconnect(), STEP_TIMEOUT_MS, "disconnecting").catch(() => undefined);
  }
}
