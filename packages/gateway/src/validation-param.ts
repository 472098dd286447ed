/**
 * The request field a schema validation error is about, in OpenAI's `param` notation, from the first
 * of fastify's (ajv's) errors: its JSON pointer, plus the missing property of a `required` error.
 *
 * @example
 *   validationParam([{ instancePath: '/messages/0/content' }]) // → 'messages[0].content'
 *   validationParam([{ instancePath: '', params: { missingProperty: 'model' } }]) // → 'model'
 */
export interface ValidationIssue {
  readonly instancePath?: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

export function validationParam(issues: readonly ValidationIssue[] | undefined): string | null {
  const first = issues?.[0];
  if (!first) return null;
  const parts = (first.instancePath ?? '').split('/').slice(1);
  const missing = first.params?.['missingProperty'];
  if (typeof missing === 'string') parts.push(missing);
  if (parts.length === 0) return null;
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
