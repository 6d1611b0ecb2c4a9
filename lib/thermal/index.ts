export * from "./config";
export * from "./frame";
export * from "./overlay";
export * from "./segment";
