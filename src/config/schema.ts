import type { FormatName, FormatValues } from './formats.ts';

/**
 * The configuration schema: the single source of truth for every setting, its
 * documentation, format, default, environment variable and command-line flag.
 * `docs/configuration.md`, `config/default.yaml` and `qb-agent --help` are all
 * generated from this table (a test fails when the committed copies drift).
 *
 * Every key is also a flag: `--http.port 9000` or `--http.port=9000`.
 */
export interface SettingSpec {
  readonly doc: string;
  /** A custom format (formats.ts), a list of allowed values, or any string. */
  readonly format: FormatName | readonly string[] | StringConstructor;
  readonly default: string | number | boolean | readonly string[];
  readonly env?: string;
  /** Other environment variables read when `env` is unset (first set wins). */
  readonly envFallbacks?: readonly string[];
  readonly sensitive?: boolean;
}

export const SCHEMA = {
  http: {
    host: {
      doc: 'Address the HTTP server (ingest API, /metrics, health) listens on. Loopback by default; use 0.0.0.0 in a container.',
      format: 'listen-host',
      default: '127.0.0.1',
      env: 'QB_AGENT_HTTP_HOST',
    },
    port: {
      doc: 'TCP port of the HTTP server. 9464 is the port OpenTelemetry assigns to Prometheus exporters.',
      format: 'tcp-port',
      default: 9464,
      env: 'QB_AGENT_HTTP_PORT',
    },
    tls: {
      certFile: {
        doc: 'PEM certificate (chain) for HTTPS. Set with http.tls.keyFile to serve TLS; both files are re-read on SIGHUP. Empty: plain HTTP.',
        format: String,
        default: '',
        env: 'QB_AGENT_HTTP_TLS_CERT_FILE',
      },
      keyFile: {
        doc: 'PEM private key for http.tls.certFile.',
        format: String,
        default: '',
        env: 'QB_AGENT_HTTP_TLS_KEY_FILE',
      },
    },
    headersTimeoutMs: {
      doc: 'Milliseconds a client may take to send the request headers; slower (slowloris) connections are closed.',
      format: 'interval-ms',
      default: 10000,
      env: 'QB_AGENT_HTTP_HEADERS_TIMEOUT_MS',
    },
    requestTimeoutMs: {
      doc: 'Milliseconds a client may take to send a whole request, body included. At least http.headersTimeoutMs.',
      format: 'interval-ms',
      default: 30000,
      env: 'QB_AGENT_HTTP_REQUEST_TIMEOUT_MS',
    },
    keepAliveTimeoutMs: {
      doc: 'Milliseconds an idle keep-alive connection stays open between requests.',
      format: 'interval-ms',
      default: 5000,
      env: 'QB_AGENT_HTTP_KEEP_ALIVE_TIMEOUT_MS',
    },
  },
  metrics: {
    bearerTokens: {
      doc: 'Bearer tokens accepted by GET /metrics, separated by commas. Empty (and no basic-auth users): /metrics is open.',
      format: 'string-list',
      default: [],
      env: 'QB_AGENT_METRICS_BEARER_TOKENS',
      sensitive: true,
    },
    basicAuthUsers: {
      doc: 'user:password pairs accepted by GET /metrics with HTTP basic auth (as Prometheus\' basic_auth scrape option sends), separated by commas.',
      format: 'string-list',
      default: [],
      env: 'QB_AGENT_METRICS_BASIC_AUTH_USERS',
      sensitive: true,
    },
    resourceConstantLabels: {
      doc: 'Resource attributes added as labels to every series on /metrics (the OpenTelemetry Prometheus exporter\'s with_resource_constant_labels), separated by commas; they stay on target_info too. The default service.instance.id gives each agent an identity that survives a move to a new address, which the exact dashboard figures rely on (docs/provisioning.md). Empty: only target_info carries them, the exporter specification\'s default.',
      format: 'string-list',
      default: ['service.instance.id'],
      env: 'QB_AGENT_METRICS_RESOURCE_CONSTANT_LABELS',
    },
  },
  service: {
    name: {
      doc: 'service.name resource attribute. OTEL_SERVICE_NAME wins over this setting, as the OpenTelemetry specification requires.',
      format: String,
      default: 'qb-agent',
      env: 'OTEL_SERVICE_NAME',
    },
    instanceId: {
      doc: 'service.instance.id resource attribute. Empty: a UUID kept in state.dir, so pushed series continue across restarts and re-created containers; without durable state "<host name>:<http.port>".',
      format: String,
      default: '',
      env: 'QB_AGENT_SERVICE_INSTANCE_ID',
    },
    resourceAttributes: {
      doc: 'Extra resource attributes as key=value pairs separated by commas (values percent-encoded), as in OTEL_RESOURCE_ATTRIBUTES.',
      format: 'key-value-list',
      default: '',
      env: 'OTEL_RESOURCE_ATTRIBUTES',
    },
  },
  otlp: {
    endpoint: {
      doc: 'Full OTLP/HTTP metrics URL (e.g. http://collector:4318/v1/metrics). Empty disables push. When unset, OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/metrics" is used.',
      format: 'http-url-or-empty',
      default: '',
      env: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
    },
    protocol: {
      doc: 'OTLP encoding: http/protobuf (the specification default, and the only one some backends accept) or http/json.',
      format: ['http/protobuf', 'http/json'],
      default: 'http/protobuf',
      env: 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL',
      envFallbacks: ['OTEL_EXPORTER_OTLP_PROTOCOL'],
    },
    headers: {
      doc: 'Extra HTTP headers for OTLP requests, as key=value pairs separated by commas (values percent-encoded). Redacted in logs and check-config.',
      format: 'key-value-list',
      default: '',
      env: 'OTEL_EXPORTER_OTLP_METRICS_HEADERS',
      envFallbacks: ['OTEL_EXPORTER_OTLP_HEADERS'],
      sensitive: true,
    },
    compression: {
      doc: 'Compression of OTLP request bodies: gzip or none.',
      format: ['gzip', 'none'],
      default: 'none',
      env: 'OTEL_EXPORTER_OTLP_METRICS_COMPRESSION',
      envFallbacks: ['OTEL_EXPORTER_OTLP_COMPRESSION'],
    },
    intervalMs: {
      doc: 'Milliseconds between two OTLP pushes. When only otlp.timeoutMs is set, and above 15000, the interval is raised to it.',
      format: 'interval-ms',
      default: 15000,
      env: 'OTEL_METRIC_EXPORT_INTERVAL',
    },
    timeoutMs: {
      doc: 'Milliseconds one OTLP push may take, retries included. At most otlp.intervalMs: when only the interval is set, and below 10000, the timeout follows it (OTEL_METRIC_EXPORT_INTERVAL=5000 alone gives 5000); both set with the timeout above the interval is an error.',
      format: 'interval-ms',
      default: 10000,
      env: 'OTEL_METRIC_EXPORT_TIMEOUT',
    },
  },
  host: {
    enabled: {
      doc: 'Record host metrics: CPU, memory, network, filesystems, disk I/O and the agent process.',
      format: 'strict-boolean',
      default: true,
      env: 'QB_AGENT_HOST_METRICS',
    },
    procPath: {
      doc: 'Mount point of procfs; point it at the host\'s /proc when the agent runs in a container.',
      format: String,
      default: '/proc',
      env: 'QB_AGENT_HOST_PROC_PATH',
    },
    rootfsPath: {
      doc: 'Prefix prepended to mount points read from procPath/1/mounts before statfs; the host\'s / mounted into a container.',
      format: String,
      default: '/',
      env: 'QB_AGENT_HOST_ROOTFS_PATH',
    },
  },
  ingest: {
    tokens: {
      doc: 'Bearer tokens accepted by POST /v1/events, separated by commas. Empty: no authentication, allowed only on a loopback address or with ingest.allowAnonymous.',
      format: 'string-list',
      default: [],
      env: 'QB_AGENT_INGEST_TOKENS',
      sensitive: true,
    },
    allowAnonymous: {
      doc: 'Accept unauthenticated events on a non-loopback address when no tokens are set.',
      format: 'strict-boolean',
      default: false,
      env: 'QB_AGENT_INGEST_ALLOW_ANONYMOUS',
    },
    maxBodyBytes: {
      doc: 'Largest accepted request body in bytes; larger requests get 413.',
      format: 'body-bytes',
      default: 1048576,
      env: 'QB_AGENT_INGEST_MAX_BODY_BYTES',
    },
    maxEventsPerBatch: {
      doc: 'Most events one request may carry; more get 413.',
      format: 'batch-size',
      default: 10000,
      env: 'QB_AGENT_INGEST_MAX_EVENTS_PER_BATCH',
    },
    dedupeWindowSec: {
      doc: 'Seconds an accepted event id is remembered: a resent event with that id is a duplicate and is not counted again.',
      format: 'window-seconds',
      default: 86400,
      env: 'QB_AGENT_INGEST_DEDUPE_WINDOW_SEC',
    },
    maxInFlight: {
      doc: 'Most POST /v1/events requests handled at once; more get 429 with Retry-After instead of queueing without bound.',
      format: 'in-flight',
      default: 64,
      env: 'QB_AGENT_INGEST_MAX_IN_FLIGHT',
    },
    dedupeMaxIds: {
      doc: 'Most event ids remembered for deduplication; the oldest are forgotten first. Up to 10,000,000. Each id costs about 110 bytes of heap plus its length (about 210 bytes for a 100-character id) and, with state.dir set, about 40 bytes plus its length in each snapshot file (two are kept); see docs/reliability.md.',
      format: 'id-count',
      default: 1000000,
      env: 'QB_AGENT_INGEST_DEDUPE_MAX_IDS',
    },
  },
  status: {
    token: {
      doc: 'Bearer token that opens the status page (GET /) and GET /api/status, in addition to ingest.tokens. When neither is set they are open, which is allowed on loopback or with ingest.allowAnonymous.',
      format: String,
      default: '',
      env: 'QB_AGENT_STATUS_TOKEN',
      sensitive: true,
    },
  },
  business: {
    activeUserWindowSec: {
      doc: 'A user counts as active for this many seconds after their latest event, unless their latest user_activity said inactive.',
      format: 'window-seconds',
      default: 300,
      env: 'QB_AGENT_ACTIVE_USER_WINDOW_SEC',
    },
    gradeThresholds: {
      doc: 'Quality grades from assessment scores as grade:minScore pairs, best first, the last with minimum 0.',
      format: 'grade-thresholds',
      default: 'A:90,B:80,C:70,D:0',
      env: 'QB_AGENT_GRADE_THRESHOLDS',
    },
    cardinalityLimit: {
      doc: 'Most attribute sets (label combinations) kept per business metric; further ones are folded into the otel_metric_overflow="true" series.',
      format: 'cardinality',
      default: 2000,
      env: 'QB_AGENT_CARDINALITY_LIMIT',
    },
  },
  state: {
    dir: {
      doc: 'Directory of the event journal and snapshots that make accepted events survive crashes and restarts. Empty disables durability (a warning at startup): a restart then resets every counter.',
      format: String,
      default: './state',
      env: 'QB_AGENT_STATE_DIR',
    },
    snapshotIntervalSec: {
      doc: 'Seconds between state snapshots, each of which compacts the journal; also taken at shutdown and when the journal passes 64 MiB.',
      format: 'window-seconds',
      default: 60,
      env: 'QB_AGENT_STATE_SNAPSHOT_INTERVAL_SEC',
    },
  },
  shutdown: {
    timeoutMs: {
      doc: 'Milliseconds the whole graceful stop may take after SIGTERM or SIGINT: closing the HTTP server, the final snapshot and the final OTLP push share it, and the agent exits when it is spent. Keep it below the stop grace period of what runs the agent (docker stop -t and compose stop_grace_period, 10 s by default; Kubernetes terminationGracePeriodSeconds, 30 s; systemd TimeoutStopSec, 30 s in the shipped unit), which kills the agent when it expires.',
      format: 'interval-ms',
      default: 8000,
      env: 'QB_AGENT_SHUTDOWN_TIMEOUT_MS',
    },
  },
  log: {
    level: {
      doc: 'Log level of the JSON logs written to stdout.',
      format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
      env: 'QB_AGENT_LOG_LEVEL',
    },
  },
} as const satisfies Record<string, Record<string, SettingSpec | Record<string, SettingSpec>>>;

/** The value a setting has once loaded: its format's value (formats.ts), one of its allowed values, or a string. */
type ValueOf<S extends SettingSpec> = S['format'] extends StringConstructor
  ? string
  : S['format'] extends readonly (infer V)[]
    ? V
    : S['format'] extends FormatName
      ? FormatValues[S['format']]
      : never;

type ValuesOf<Group> = { -readonly [K in keyof Group]: Group[K] extends SettingSpec ? ValueOf<Group[K]> : ValuesOf<Group[K]> };

/** The loaded configuration, derived from SCHEMA: a setting added there is here, typed by its format. */
export type ConfigValues = ValuesOf<typeof SCHEMA>;

export interface SettingEntry extends SettingSpec {
  /** Dotted key, e.g. `http.port`; also the flag name `--http.port`. */
  readonly key: string;
}

/** A default as help and docs show it: lists comma-separated, `(none)` and `(empty)` for nothing. */
export function shownDefault(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(',');
  if (value === '') return '(empty)';
  return String(value);
}

/** Every setting, flattened, in schema order. */
export function listSettings(): SettingEntry[] {
  const out: SettingEntry[] = [];
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [name, child] of Object.entries(node)) {
      const key = prefix === '' ? name : `${prefix}.${name}`;
      if (isSpec(child)) out.push({ key, ...child });
      else walk(child as Record<string, unknown>, key);
    }
  };
  walk(SCHEMA, '');
  return out;
}

/** A setting (has doc, format and default), as opposed to a group of settings such as http.tls. */
function isSpec(node: unknown): node is SettingSpec {
  return typeof node === 'object' && node !== null && 'doc' in node && 'format' in node && 'default' in node;
}

/** Reads a dotted key out of a nested object (the loaded config, a config file). */
export function getPath(obj: unknown, key: string): unknown {
  let node = obj;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Whether a nested object holds a value at a dotted key. */
export function hasPath(obj: unknown, key: string): boolean {
  const parts = key.split('.');
  const holder = parts.length === 1 ? obj : getPath(obj, parts.slice(0, -1).join('.'));
  return typeof holder === 'object' && holder !== null && Object.hasOwn(holder, parts.at(-1)!);
}

/** Writes a value at a dotted key, creating the intermediate objects. */
export function setPath(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = obj;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}
