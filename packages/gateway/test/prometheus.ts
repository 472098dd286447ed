/** Reads Prometheus text with a real parser (parse-prometheus-text-format), for metric assertions. */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export type Families = ReturnType<typeof parsePrometheusTextFormat>;

/** Parses `/metrics`; throws on text that is not valid exposition format. */
export async function scrape(baseUrl: string): Promise<Families> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parsePrometheusTextFormat(await res.text());
}

/** Value of the sample of `name` whose labels include `labels`; undefined when absent. */
export function sample(
  families: Families,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const fam = families.find((f) => f.name === name);
  const m = fam?.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
  return m?.value === undefined ? undefined : Number(m.value);
}
