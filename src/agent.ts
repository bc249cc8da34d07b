import { readFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import { TimeoutError } from '@opentelemetry/sdk-metrics';
import type { FastifyInstance } from 'fastify';
import { createBusiness, type BusinessParts } from './business/module.ts';
import { businessSnapshot } from './business/snapshot.ts';
import { businessViews } from './business/views.ts';
import { DurableSink } from './ingest/durable-sink.ts';
import { Ingestor } from './ingest/ingestor.ts';
import { gatedSink } from './ingest/gated-sink.ts';
import { eventsRoute } from './ingest/routes/events.ts';
import { redactUrl, type LoadedConfig } from './config/load.ts';
import { durableStateReadiness, healthRoutes } from './http/routes/health.ts';
import { metricsRoute } from './http/routes/metrics.ts';
import { buildApp } from './http/app.ts';
import { Readiness } from './http/readiness.ts';
import { registerHostMetrics, type Unregister } from './host/registry.ts';
import type { Logger } from './log.ts';
import { createPipeline, type Pipeline } from './telemetry/pipeline.ts';
import { withinDeadline } from './deadline.ts';
import { resolveInstanceId } from './telemetry/instance-id.ts';
import { buildResource } from './telemetry/resource.ts';
import { registerSelfMetrics } from './telemetry/self-metrics.ts';
import { EventClock } from './business/clock.ts';
import { StateDirLock } from './state/dir-lock.ts';
import { DurableStore, type SnapshotSource } from './state/durable-store.ts';
import { registerStateMetrics } from './state/self-metrics.ts';
import { SnapshotReader } from './business/metric-state.ts';
import { createStatus, type StatusParts } from './status/module.ts';

export interface AgentDeps {
  readonly config: LoadedConfig;
  readonly log: Logger;
  readonly version: string;
  readonly now?: () => number;
}

const METER_NAME = 'qb-agent';

/** Durable state: the store, the sink in front of the ingestor that journals each batch, and the business state's part of each snapshot. */
interface DurableParts {
  readonly store: DurableStore;
  readonly sink: DurableSink;
  readonly snapshot: SnapshotSource;
}

/**
 * Composition root: builds every component from the configuration, starts them
 * in order and stops them in reverse. Holds no global state: two agents can run
 * in one process (the tests do).
 */
export class Agent {
  readonly readiness = new Readiness();
  readonly pipeline: Pipeline;
  readonly app: FastifyInstance;
  readonly business: BusinessParts;
  readonly ingestor: Ingestor;
  readonly status: StatusParts;
  readonly #deps: AgentDeps;
  /** Undefined when state.dir is empty. */
  readonly #durable: DurableParts | undefined;
  readonly #log: Logger;
  #unregisterHost: Unregister | undefined;
  /** Held from before restore until the state is closed at shutdown: one agent per state dir. */
  #stateLock: StateDirLock | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(deps: AgentDeps) {
    this.#deps = deps;
    this.#log = deps.log;
    const { values, sources } = deps.config;
    const now = deps.now ?? Date.now;
    const clock = new EventClock(now);
    const snapshotReader = values.state.dir !== '' ? new SnapshotReader() : undefined;
    this.pipeline = createPipeline({
      otlp: values.otlp,
      resourceConstantLabels: values.metrics.resourceConstantLabels,
      resource: buildResource({
        service: values.service,
        serviceNameExplicit: sources['service.name']?.kind !== 'default',
        version: deps.version,
        instanceId: resolveInstanceId({ configured: values.service.instanceId, stateDir: values.state.dir, port: values.http.port, log: deps.log }),
      }),
      views: businessViews(values.business.cardinalityLimit),
      log: deps.log,
      extraReaders: snapshotReader ? [snapshotReader] : [],
    });
    const meter = this.pipeline.meterProvider.getMeter(METER_NAME, deps.version);
    registerSelfMetrics(meter, { version: deps.version, health: this.pipeline.exportHealth });
    if (values.host.enabled) {
      this.#unregisterHost = registerHostMetrics({
        meterProvider: this.pipeline.meterProvider,
        meter,
        context: { procPath: values.host.procPath, rootfsPath: values.host.rootfsPath, now },
        log: deps.log.child({ component: 'host' }),
      });
    }
    this.business = createBusiness(
      meter,
      { ...values.business, dedupeWindowSec: values.ingest.dedupeWindowSec, dedupeMaxIds: values.ingest.dedupeMaxIds },
      deps.log.child({ component: 'business' }),
      clock.now,
    );
    const guard = this.business.guard;
    const exportHealth = this.pipeline.exportHealth;
    this.status = createStatus({
      config: values,
      version: deps.version,
      log: deps.log.child({ component: 'status' }),
      cardinality: () => guard.usage(),
      exportHealth: () => exportHealth.snapshot(),
      durableState: () => this.state?.stats(),
      now,
    });
    this.ingestor = new Ingestor(meter, { recorder: this.business.recorder, dedupe: this.business.dedupe, onOutcome: this.status.onOutcome });
    if (snapshotReader) {
      const store = new DurableStore({
        dir: values.state.dir,
        snapshotIntervalMs: values.state.snapshotIntervalSec * 1000,
        now: () => clock.wallNow(),
        log: deps.log.child({ component: 'state' }),
      });
      registerStateMetrics(meter, () => store.stats());
      this.#durable = {
        store,
        sink: new DurableSink({ store, ingestor: this.ingestor, clock }),
        snapshot: businessSnapshot({ guard, dedupe: this.business.dedupe, activeUsers: this.business.activeUsers, meter, reader: snapshotReader, scopeName: METER_NAME }),
      };
    }
    const requests = meter.createCounter('qb_agent_ingest_requests', {
      description: 'Requests to POST /v1/events by response status code.',
      unit: '{request}',
    });
    this.app = buildApp({
      log: deps.log.child({ component: 'http' }),
      server: {
        ...(values.http.tls.certFile ? { tls: readTls(values.http.tls.certFile, values.http.tls.keyFile) } : {}),
        headersTimeoutMs: values.http.headersTimeoutMs,
        requestTimeoutMs: values.http.requestTimeoutMs,
        keepAliveTimeoutMs: values.http.keepAliveTimeoutMs,
      },
      routes: [
        healthRoutes(this.readiness, () => ({ state: this.state ? durableStateReadiness(this.state.stats()) : 'disabled' })),
        metricsRoute(this.pipeline.prometheus, { bearerTokens: values.metrics.bearerTokens, basicAuthUsers: values.metrics.basicAuthUsers }),
        eventsRoute({
          sink: gatedSink(this.#durable?.sink ?? this.ingestor, {
            stopping: () => this.readiness.phase === 'stopping',
            onAccepted: () => this.pipeline.prometheus.drain.recorded(),
          }),
          maxInFlight: values.ingest.maxInFlight,
          credentials: { bearerTokens: values.ingest.tokens },
          maxBodyBytes: values.ingest.maxBodyBytes,
          maxEventsPerBatch: values.ingest.maxEventsPerBatch,
          requests,
          onAnswer: this.status.onAnswer,
        }),
        this.status.routes,
      ],
    });
  }

  /** Listens and marks the agent ready; resolves with the bound address. */
  async start(): Promise<string> {
    const { http, otlp, ingest } = this.#deps.config.values;
    if (this.state) {
      this.#stateLock = StateDirLock.acquire(this.#deps.config.values.state.dir);
      try {
        this.restoreState();
      } catch (err) {
        this.#stateLock.release();
        throw err;
      }
    } else this.#log.warn('state.dir is empty: durable state is off, so a restart resets every business counter and forgets every event id');
    const address = await this.app.listen({ host: http.host, port: http.port });
    this.state?.start();
    this.readiness.markReady();
    const auth =
      ingest.tokens.length > 0
        ? `bearer token (${ingest.tokens.length} configured)`
        : ingest.allowAnonymous
          ? 'none: ingest.allowAnonymous=true accepts unauthenticated events'
          : 'none: listening on loopback only';
    this.#log.info(
      { address, ingestAuth: auth, push: otlp.endpoint ? { endpoint: redactUrl(otlp.endpoint), protocol: otlp.protocol, intervalMs: otlp.intervalMs } : 'off' },
      'qb-agent started',
    );
    return address;
  }

  /**
   * Restores the durable state: the newest snapshot into the business state,
   * then the journal after it through the ingestor. start() calls it before
   * listening (and under the state-dir lock); tests that drive the app
   * without listening call it themselves. Synchronous; throws with a clear
   * message when the state dir cannot be used.
   */
  restoreState(): void {
    const durable = this.#durable;
    durable?.store.open(durable.snapshot, durable.sink);
  }

  /** Journal and snapshots; undefined when state.dir is empty. */
  get state(): DurableStore | undefined {
    return this.#durable?.store;
  }

  /**
   * Re-reads the TLS certificate and key (SIGHUP). New connections get them;
   * on any error the current ones stay in use and the error is logged.
   */
  reloadTls(): boolean {
    const { certFile: tlsCertFile, keyFile: tlsKeyFile } = this.#deps.config.values.http.tls;
    if (!tlsCertFile) return false;
    try {
      (this.app.server as unknown as HttpsServer).setSecureContext(readTls(tlsCertFile, tlsKeyFile));
      this.#log.info({ certFile: tlsCertFile }, 'TLS certificate reloaded');
      return true;
    } catch (err) {
      this.#log.error({ err, certFile: tlsCertFile }, 'TLS reload failed; keeping the current certificate');
      return false;
    }
  }

  /**
   * Stops accepting requests, takes the final snapshot, makes a final OTLP push
   * and shuts the meter provider down, all within shutdown.timeoutMs.
   * Idempotent; safe without start().
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#doShutdown();
    return this.#shutdown;
  }

  /**
   * One deadline (shutdown.timeoutMs) for the whole shutdown: closing the server,
   * the final snapshot and the final push each get what is left of it. A step
   * that overruns is abandoned, never awaited past the deadline: the journal
   * already holds every acknowledged event, and the push is cumulative.
   */
  async #doShutdown(): Promise<void> {
    const deadlineMs = this.#deps.config.values.shutdown.timeoutMs;
    const endAt = performance.now() + deadlineMs;
    const left = () => Math.max(0, endAt - performance.now());
    this.readiness.markStopping();
    this.#log.info({ deadlineMs }, 'shutting down');
    await this.#drainScrape(left);
    if (!(await finishesWithin(this.app.close(), left()))) this.#log.warn('open requests did not finish before the deadline');
    const snapshot = this.state?.shutdown().then(
      () => true,
      (err: unknown) => {
        this.#log.error({ err }, 'final snapshot failed; the journal still holds every acknowledged event');
        return true;
      },
    );
    if (snapshot && !(await finishesWithin(snapshot, left()))) {
      this.#log.warn('final snapshot did not finish before the deadline; the journal still holds every acknowledged event');
    } else {
      // Released only once the state is closed: a successor must not open it half-written.
      this.#stateLock?.release();
    }
    this.#unregisterHost?.();
    const remaining = left();
    const flush = await withinDeadline(
      this.pipeline.meterProvider.shutdown({ timeoutMillis: Math.max(1, remaining) }).then(
        () => undefined,
        (err: unknown) => err as Error,
      ),
      remaining,
    );
    // The SDK gives up at timeoutMillis with a TimeoutError: that is the deadline too.
    if (!flush.settled || flush.value instanceof TimeoutError) {
      this.#log.warn({ deadlineMs }, 'final OTLP push did not finish before the deadline; its data is lost');
    } else if (flush.value) {
      this.#log.warn({ err: flush.value }, 'final OTLP push failed; its data is lost');
    }
    this.#log.info('stopped');
  }

  /**
   * Pull exactness at stop: events are refused from now on; wait until a scrape
   * collected the last accepted ones (ScrapeDrain), at most three scrape
   * intervals and, when the agent also pushes, half of what is left of the
   * deadline (the final push needs the rest).
   */
  async #drainScrape(left: () => number): Promise<void> {
    const drain = this.pipeline.prometheus.drain;
    const needed = drain.waitNeededMs();
    if (needed === 0) return;
    const budget = Math.min(needed, this.pipeline.otlpReader ? left() / 2 : left());
    if (await drain.drained(budget)) this.#log.info('the last accepted events were scraped');
    else this.#log.warn({ waitedMs: Math.round(budget) }, 'no scrape collected the last accepted events before the bound; Prometheus will miss them');
  }
}

function readTls(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } {
  return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

/** True when the promise settles (either way) before the deadline. */
async function finishesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return (await withinDeadline(promise.catch(() => undefined), ms)).settled;
}
