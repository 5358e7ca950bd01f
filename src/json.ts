// Guards for JSON values: the one place that says what counts as a JSON object.

export type JsonObject = Record<string, unknown>;

/**
 * A JSON object as JSON.parse makes one: an object that is neither null nor an
 * array. Enough for parsed input; for values a handler built, see isPlainObject.
 */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An object JSON.stringify writes without loss: a plain `{}` (or one from
 * Object.create(null) or another realm), never an array, Date, Map or class
 * instance, which it would write lossily or not at all.
 */
export function isPlainObject(value: object): value is JsonObject {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}
