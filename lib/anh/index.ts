export * from "./config";
export * from "./slots";
export * from "./report";
export * from "./schema";
export * from "./journal";
export * from "./audit";
export * from "./reporter";
