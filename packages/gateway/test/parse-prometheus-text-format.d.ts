// The package ships no types; this is the part of its output the tests read.
declare module 'parse-prometheus-text-format' {
  interface PromSample {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  interface PromFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: PromSample[];
  }
  // biome-ignore lint/style/noDefaultExport: the package's own (untyped) export is a default one
  export default function parsePrometheusTextFormat(text: string): PromFamily[];
}
