// The package ships no types; the part the tests use.
declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusTextFormat(text: string): Array<{ name: string; help: string; type: string; metrics: unknown[] }>;
}
