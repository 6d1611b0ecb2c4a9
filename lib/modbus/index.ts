// The Modbus core: register map, request planner, decoding, and a shared connection with reconnect.
export {
  AREAS,
  MAX_ADDRESS,
  ORDERS,
  REGISTER_TYPES,
  isBitArea,
  parseRegisterMap,
  parseTagDefinition,
  registerWidth,
  type ModbusArea,
  type ModbusDataType,
  type Order,
  type RegisterType,
  type TagDefinition,
} from "./register-map";
export { decodeBit, decodeRegisters, encodeRegisters } from "./decode";
export {
  DEFAULT_MAX_GAP_BITS,
  DEFAULT_MAX_GAP_REGISTERS,
  DEFAULT_PLAN_OPTIONS,
  MAX_BITS_PER_READ,
  MAX_REGISTERS_PER_READ,
  planReads,
  resolvePlanOptions,
  splitAtGaps,
  type PlanOptions,
  type PlannedTag,
  type ReadRequest,
} from "./planner";
export { ILLEGAL_DATA_ADDRESS, ModbusReadError, type ModbusReader, type ReadFailureKind } from "./read-error";
export { PollPlan, QUALITY_BAD, QUALITY_GOOD, decodeTag, type PollResult, type RequestFailure, type TagReading } from "./poller";
export {
  Backoff,
  DEFAULT_CONNECTION_OPTIONS,
  ModbusConnection,
  isSerialAvailable,
  resolveConnectionOptions,
  type ConnectionOptions,
  type ConnectionState,
  type StateChange,
  type Transport,
} from "./connection";
