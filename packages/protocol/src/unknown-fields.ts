/**
 * Dropping the body fields a newer minor added, so an older receiver can validate the rest strictly.
 *
 * Walks a decoded body alongside its schema. In every object the schema closes
 * (`additionalProperties: false`), keys the schema does not name are deleted; objects inside arrays and
 * inside known fields are walked too. Unions are not entered (which branch applies is the validator's
 * call) and open maps (records) keep every key. Values of the wrong shape are left for validation to
 * reject.
 *
 * @example
 *   const body = { sessionId: 's', reason: 'x', urgency: 3, sampling: { seed: 1, minP: 0.1 } };
 *   dropUnknownFields(schema, body) // → ['/urgency', '/sampling/minP'], and both are gone from body
 */
import { Kind, type TSchema } from '@sinclair/typebox';

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

function walk(schema: TSchema, value: unknown, path: string, dropped: string[]): void {
  const kind = schema[Kind];
  if (kind === 'Object' && isPlainObject(value)) {
    const properties = (schema['properties'] ?? {}) as Record<string, TSchema>;
    for (const key of Object.keys(value)) {
      const child = Object.hasOwn(properties, key) ? properties[key] : undefined;
      if (child) walk(child, value[key], `${path}/${key}`, dropped);
      else if (schema['additionalProperties'] === false) {
        delete value[key];
        dropped.push(`${path}/${key}`);
      }
    }
  } else if (kind === 'Array' && Array.isArray(value)) {
    const items = schema['items'] as TSchema;
    for (let i = 0; i < value.length; i++) walk(items, value[i], `${path}/${i}`, dropped);
  }
}

/**
 * Deletes, in place, every field of `value` that `schema` does not define where the schema allows no
 * others. Returns the dropped fields as JSON-pointer paths (`/sampling/minP`), in document order.
 */
export function dropUnknownFields(schema: TSchema, value: unknown): string[] {
  const dropped: string[] = [];
  walk(schema, value, '', dropped);
  return dropped;
}
