import { EVENT_SCHEMAS, EVENT_TYPES } from '../../src/business/events.ts';
import { ERRORS } from '../../src/errors.ts';
import { ACCEPTED_ENCODINGS } from '../../src/http/content-encoding.ts';
import { MAX_ANSWER_DETAILS } from '../../src/ingest/ingestor.ts';
import { MAX_EVENT_DEPTH } from '../../src/ingest/parse-body.ts';

interface JsonSchema {
  type?: string;
  description?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  const?: unknown;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

function constraint(s: JsonSchema): string {
  if (s.anyOf) return s.anyOf.map((a) => `\`${String(a.const)}\``).join(', ');
  if (s.const !== undefined) return `\`${String(s.const)}\``;
  const parts: string[] = [];
  if (s.type === 'string') {
    if (s.maxLength !== undefined) parts.push(`${s.minLength ?? 0}..${s.maxLength} chars`);
    if (s.pattern && !s.pattern.includes('u0000')) parts.push(`\`${s.pattern}\``);
    if (s.pattern?.includes('u0000')) parts.push('printable');
    if (s.format) parts.push(s.format === 'date-time' ? 'RFC 3339' : s.format);
  } else if (s.minimum !== undefined || s.maximum !== undefined) {
    parts.push(`${s.minimum ?? '-∞'}..${s.maximum === Number.MAX_SAFE_INTEGER ? '2^53−1' : (s.maximum ?? '∞')}`);
  }
  return parts.join(', ');
}

function typeName(s: JsonSchema): string {
  if (s.anyOf || s.const !== undefined) return 'string';
  return s.type ?? 'any';
}

/** docs/api.md: the ingest API contract, generated from the event schemas and the error catalogue. */
export function apiMarkdown(): string {
  const lines = [
    '# Ingest API',
    '',
    '<!-- Generated from src/business/events.ts and src/errors.ts by `npm run docs:build`; test/docs/drift.test.ts fails when this file is stale. -->',
    '',
    '`POST /v1/events` on the agent\'s HTTP server (default `http://127.0.0.1:9464`).',
    '',
    '- **Body**: `Content-Type: application/json` with `{"events": [ ... ]}`, or `application/x-ndjson` with one event object per line (blank lines ignored). Any other type: 415.',
    `- **Compression**: \`Content-Encoding: gzip\` (or \`x-gzip\`, its old name) is decompressed as it arrives; \`identity\` or no header means uncompressed. \`ingest.maxBodyBytes\` applies to the compressed and to the decompressed size (413 \`body_too_large\`; decompression stops at the limit, so a zip bomb costs no more than an honest body). Not valid gzip: 400 \`malformed_body\`. Any other encoding (\`deflate\`, \`br\`, \`zstd\`, several codings): 415 \`unsupported_encoding\` with \`Accept-Encoding: ${ACCEPTED_ENCODINGS}\`. gzip alone: every HTTP client can send it, OTLP/HTTP receivers take it, and one decoder is less to defend. The client library compresses large batches by itself ([client.md](client.md)).`,
    '- **Auth**: when `ingest.tokens` is set, send `Authorization: Bearer <token>`; otherwise 401 `unauthorized` with `WWW-Authenticate: Bearer realm="qb-agent"` (every 401 of the agent, on `/metrics` and `/api/status` too, is this catalogue body with a challenge). Without tokens the agent only listens on loopback (or with `ingest.allowAnonymous=true`).',
    `- **Limits**: \`ingest.maxBodyBytes\` (default 1 MiB) and \`ingest.maxEventsPerBatch\` (default 10000): 413. Events are flat objects: one nesting arrays or objects more than ${MAX_EVENT_DEPTH} levels deep (the event being level 1) is a 400 \`malformed_body\`; less nesting is an \`invalid_events\` problem of its field.`,
    `- **Atomic batches**: if any event is invalid, nothing is recorded: 400 \`invalid_events\` with up to ${MAX_ANSWER_DETAILS} \`details\` \`{index, path, message}\`.`,
    '- **Idempotency**: give every event an `id`. An id accepted within `ingest.dedupeWindowSec` (default 24 h) is a duplicate and is not counted again, so retrying a batch after a timeout is always safe. The same id with different content is a 409 `id_conflict` (nothing recorded).',
    '- **Success**: 202 `{"accepted": A, "duplicates": D}`. Metrics are recorded at receipt; `time` is informational.',
    '',
    '```sh',
    'curl -sS http://127.0.0.1:9464/v1/events -H \'content-type: application/json\' -d \'{"events":[',
    '  {"type":"invoice","id":"inv-2026-0001","amount_cents":123456,"currency":"EUR","quality_grade":"A","billed_hours":10}',
    ']}\'',
    '# {"accepted":1,"duplicates":0}',
    '```',
    '',
    '## Event types',
    '',
    'Every event has `type`, an optional `id` (1..128 chars) and an optional `time` (RFC 3339). Unknown fields are rejected.',
  ];
  for (const type of EVENT_TYPES) {
    const schema = EVENT_SCHEMAS[type] as unknown as JsonSchema;
    lines.push('', `### \`${type}\``, '', schema.description ?? '', '', '| field | type | required | allowed | meaning |', '|---|---|---|---|---|');
    for (const [field, prop] of Object.entries(schema.properties ?? {})) {
      if (field === 'type' || field === 'id' || field === 'time') continue;
      const required = schema.required?.includes(field) ? 'yes' : 'no';
      lines.push(`| \`${field}\` | ${typeName(prop)} | ${required} | ${constraint(prop)} | ${prop.description ?? ''} |`);
    }
  }
  lines.push(
    '',
    '## Errors',
    '',
    'Every error is JSON: `{"error": "<code>", "message": "...", "details": [...]}` (`details` only where listed), including those found before any route runs: a request that is not valid HTTP, headers too large, a request not received in time, a URL that cannot be decoded, and requests arriving while the agent shuts down. Clients should branch on `error`.',
    '',
    '| status | error | meaning |',
    '|---|---|---|',
  );
  for (const [code, e] of Object.entries(ERRORS)) lines.push(`| ${e.status} | \`${code}\` | ${e.meaning} |`);
  lines.push(
    '',
    '## Other endpoints',
    '',
    '| endpoint | meaning |',
    '|---|---|',
    '| `GET /metrics` | Prometheus text exposition of every metric (see [metrics.md](metrics.md)); gzip when asked. 503 when collection fails, so `up` drops. Optional bearer or basic auth (see [configuration.md](configuration.md)). |',
    '| `GET /healthz` | 200 `{"status":"ok"}` while the process runs. |',
    '| `GET /readyz` | 200 `{"status":"ready", ...}` once started (durable state restored); 503 with `"status":"starting"` or `"stopping"` otherwise. With durable state it adds journal size, last snapshot time and restore duration. |',
    '| `GET /` | The operator status page (see [status.md](status.md)). |',
    '| `GET /api/status` | The status page\'s data as JSON (see [status.md](status.md)); needs a token when ingest or status tokens are set. |',
    '',
  );
  return lines.join('\n');
}
