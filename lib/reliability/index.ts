export * from "./hypothesis";
export * from "./profiles";
export * from "./score";
