/**
 * Metrics of every instance, gathered by the gateway (scatter-gather on `<p>.v2.metrics.get`): the
 * gateway publishes one `metrics.get` and every actor answers with its prom-client registry in JSON
 * form (`registry.getMetricsAsJSON()`), each series labelled with its `role` and `instance`. The
 * gateway merges the replies into one Prometheus text page on its `/metrics`.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Id } from './common.js';

/** `metrics.get`: asks every instance listening for its metrics. The body is empty. */
export const MetricsGetSchema = Type.Object({}, { additionalProperties: false });
export type MetricsGet = Static<typeof MetricsGetSchema>;

/**
 * A sample's value. Finite values are numbers; Prometheus's non-finite values travel as the strings
 * `NaN`, `+Inf` and `-Inf` (the codec's schemas accept finite numbers only).
 */
export const MetricValueSchema = Type.Union([
  Type.Number(),
  Type.Literal('NaN'),
  Type.Literal('+Inf'),
  Type.Literal('-Inf'),
]);
export type MetricValue = Static<typeof MetricValueSchema>;

/** One sample of a metric family: a value under a label set. */
export const MetricSampleSchema = Type.Object(
  {
    value: MetricValueSchema,
    /** Label name → value, the instance's `role` and `instance` included (histogram `le` may be a number). */
    labels: Type.Record(
      Type.String({ maxLength: 128 }),
      Type.Union([Type.String({ maxLength: 1024 }), Type.Number()]),
    ),
    /** Series name when it differs from the family's (histogram `_bucket`, `_sum`, `_count`). */
    metricName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false },
);
export type MetricSample = Static<typeof MetricSampleSchema>;

/** One metric family, as prom-client's `getMetricsAsJSON()` gives it. */
export const MetricFamilySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    help: Type.String({ maxLength: 1024 }),
    /** `counter`, `gauge`, `histogram` or `summary`; receivers skip a type they do not know. */
    type: Type.String({ minLength: 1, maxLength: 32 }),
    values: Type.Array(MetricSampleSchema, { maxItems: 65_536 }),
  },
  { additionalProperties: false },
);
export type MetricFamily = Static<typeof MetricFamilySchema>;

/** `metrics`: one instance's answer to `metrics.get`. */
export const MetricsReplySchema = Type.Object(
  {
    /** The instance that answered. */
    id: Id,
    /** Its role. */
    role: Type.String({ minLength: 1, maxLength: 64 }),
    families: Type.Array(MetricFamilySchema, { maxItems: 4096 }),
  },
  { additionalProperties: false },
);
export type MetricsReply = Static<typeof MetricsReplySchema>;
