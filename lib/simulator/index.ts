export * from "./camera";
export * from "./faults";
export * from "./plant";
export * from "./tags";
export type { TankLayers } from "./tank";
