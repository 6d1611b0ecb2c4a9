import type { Node, NodeAPI } from "node-red";
import { InputError, describeValue } from "../../lib/common/errors";
import { parseRoi } from "../../lib/thermal/config";
import { decodeImage, frameFromMatrix } from "../../lib/thermal/frame";
import { renderOverlay } from "../../lib/thermal/overlay";
import { segmentFrame } from "../../lib/thermal/segment";
import { onInput } from "../shared/input";
import { StatusReporter } from "../shared/status";
import { loadNodeConfig } from "../shared/stateful-node";
import { parseInputKind, parseThermalConfig, type ThermalNodeConfig, type ThermalSegmentDef, type ThermalSegmentMessage } from "./thermal-segment-config";

/**
 * thermal-segment: a tank's thermal frame (image Buffer or radiometric matrix) in, its layers and
 * interface levels out as msg.thermal. Stateless: every frame stands on its own.
 */
export = function register(RED: NodeAPI): void {
  function ThermalSegmentNode(this: Node, def: ThermalSegmentDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new StatusReporter(node);
    const { config, error: configError } = loadNodeConfig<ThermalNodeConfig>(node, status, () => parseThermalConfig(def));

    onInput<ThermalSegmentMessage>(node, status, async (msg, send) => {
      if (configError || !config) throw configError ?? new InputError("config", "not loaded");
      const options = msg.roi === undefined ? config.options : { ...config.options, roi: parseRoi(msg.roi, "msg.roi") };
      const payload = msg.payload;
      let frame;
      if (Buffer.isBuffer(payload)) frame = await decodeImage(payload);
      else if (typeof payload === "object" && payload !== null) frame = frameFromMatrix(payload, msg.input === undefined ? config.input : parseInputKind(msg.input, "msg.input"));
      else throw new InputError("msg.payload", `expected an image Buffer (PNG, JPEG, TIFF) or a matrix {width, height, data}, got ${describeValue(payload)}`);
      let result;
      try {
        result = segmentFrame(frame, options);
      } catch (err) {
        // A per-message ROI that does not fit is the message's fault, name its field.
        if (err instanceof InputError && err.field === "roi" && msg.roi !== undefined) throw new InputError("msg.roi", err.message.replace(/^roi: /, ""));
        throw err;
      }
      const thermal: Record<string, unknown> = { ...result };
      if (config.overlay) thermal.overlay = await renderOverlay(frame, result);
      msg.thermal = thermal;
      if (result.detected) status.running(() => `${result.interfaces.length} interface${result.interfaces.length === 1 ? "" : "s"}, confidence ${result.confidence.toFixed(2)}`);
      else status.idle("no stratification");
      send(msg);
    });
    node.on("close", (_removed: boolean, done: () => void) => {
      status.close();
      done();
    });
  }
  RED.nodes.registerType("thermal-segment", ThermalSegmentNode);
};
