/** The part of autocannon (untyped) that the gateway-overhead benchmark uses. */
declare module 'autocannon' {
  interface AutocannonOptions {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    duration?: number;
  }
  interface AutocannonResult {
    requests: { average: number };
    non2xx: number;
    errors: number;
  }
  // biome-ignore lint/style/noDefaultExport: the module's own shape (CommonJS module.exports).
  export default function autocannon(options: AutocannonOptions): Promise<AutocannonResult>;
}
