import { AnimeMeError } from './errors.js';

/** Describe a received value for error messages: `"abc" of type string`, `-1 of type number`. */
export function describeValue(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  let shown: string;
  try {
    shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    shown = '[unprintable]';
  }
  if (shown.length > 60) shown = `${shown.slice(0, 57)}...`;
  return `${shown} of type ${type}`;
}

/** The one invalid-parameter message shape: "Expected <what> for <name> but received <value> of type <type>". */
export function invalidParameter(what: string, name: string, value: unknown): AnimeMeError {
  return new AnimeMeError('INVALID_ARGUMENT', `Expected ${what} for ${name} but received ${describeValue(value)}`, {
    details: { parameter: name },
  });
}

export const is = {
  defined: <T>(v: T | undefined | null): v is T => v !== undefined && v !== null,
  integer: (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v),
  number: (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v),
  string: (v: unknown): v is string => typeof v === 'string',
  bool: (v: unknown): v is boolean => typeof v === 'boolean',
  inRange: (v: number, min: number, max: number): boolean => v >= min && v <= max,
  inArray: <T>(v: unknown, list: readonly T[]): v is T => list.includes(v as T),
  plainObject: (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype,
};

export function expectPositiveInteger(value: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!is.integer(value) || value <= 0 || value > max) {
    throw invalidParameter(max === Number.MAX_SAFE_INTEGER ? 'positive integer' : `integer between 1 and ${max}`, name, value);
  }
  return value;
}

export function expectIntegerInRange(value: unknown, name: string, min: number, max: number): number {
  if (!is.integer(value) || !is.inRange(value, min, max)) {
    throw invalidParameter(`integer between ${min} and ${max}`, name, value);
  }
  return value;
}

export function expectNumberInRange(value: unknown, name: string, min: number, max: number): number {
  if (!is.number(value) || !is.inRange(value, min, max)) {
    throw invalidParameter(`number between ${min} and ${max}`, name, value);
  }
  return value;
}

export function expectOneOf<T extends string>(value: unknown, name: string, list: readonly T[]): T {
  if (!is.inArray(value, list)) throw invalidParameter(`one of ${list.join(', ')}`, name, value);
  return value;
}
