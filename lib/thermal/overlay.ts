import sharp from "sharp";
import type { ThermalFrame } from "./frame";
import type { ThermalResult } from "./segment";

const COLOURS: Record<string, string> = { air: "#4fc3f7", crude: "#ff7043", emulsion: "#ffd54f", water: "#1e88e5" };

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The frame as 8-bit grey for display: 16-bit counts narrowed, °C stretched over their range. */
function displayPixels(frame: ThermalFrame): Uint8Array {
  if (frame.unit === "counts8") return frame.data as Uint8Array;
  const out = new Uint8Array(frame.width * frame.height);
  if (frame.unit === "counts16") {
    for (let i = 0; i < out.length; i++) out[i] = frame.data[i] >> 8;
    return out;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < frame.data.length; i++) {
    lo = Math.min(lo, frame.data[i]);
    hi = Math.max(hi, frame.data[i]);
  }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < out.length; i++) out[i] = Math.round((frame.data[i] - lo) * scale);
  return out;
}

/**
 * A PNG of the frame with the ROI outlined and each interface drawn and labelled with its level, for a
 * dashboard. Drawn as an SVG composited by sharp (its librsvg renders the text).
 */
export async function renderOverlay(frame: ThermalFrame, result: ThermalResult): Promise<Buffer> {
  const { roi } = result;
  const fontSize = Math.max(10, Math.round(frame.height / 32));
  const lines = result.interfaces.map((i) => {
    const lower = i.name.split("/")[1] ?? "";
    const colour = COLOURS[lower] ?? "#00e676";
    const y = i.row.toFixed(2);
    const label = escapeXml(`${i.name} ${i.levelPct.toFixed(1)} %`);
    const textY = Math.max(fontSize, i.row - 3).toFixed(1);
    return `<line x1="${roi.x}" y1="${y}" x2="${roi.x + roi.width}" y2="${y}" stroke="${colour}" stroke-width="2"/>` +
      `<text x="${roi.x + 4}" y="${textY}" font-family="sans-serif" font-size="${fontSize}" fill="${colour}" stroke="black" stroke-width="0.6">${label}</text>`;
  });
  const caption = escapeXml(result.detected ? `confidence ${result.confidence.toFixed(2)}` : "no stratification detected");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${frame.width}" height="${frame.height}">` +
    `<rect x="${roi.x + 0.5}" y="${roi.y + 0.5}" width="${roi.width - 1}" height="${roi.height - 1}" fill="none" stroke="#00e676" stroke-width="1" stroke-dasharray="4 3"/>` +
    lines.join("") +
    `<text x="${frame.width - 4}" y="${frame.height - 6}" text-anchor="end" font-family="sans-serif" font-size="${fontSize}" fill="white" stroke="black" stroke-width="0.6">${caption}</text></svg>`;
  return sharp(displayPixels(frame), { raw: { width: frame.width, height: frame.height, channels: 1 } })
    .toColourspace("srgb")
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
}
