import type { StatsFs } from 'node:fs';
import type { BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import type { Logger } from '../log.ts';

/** What every host collector receives: where to read from. */
export interface HostContext {
  /** procfs mount point, /proc unless the agent reads a container host's. */
  readonly procPath: string;
  /** Prefix for mount points before statfs (the host's / mounted in a container). */
  readonly rootfsPath: string;
  readonly now: () => number;
  /** Replaces fs.statfs (tests); the filesystem collector's only way to a mount. */
  readonly statfs?: (path: string) => Promise<StatsFs>;
  /** For rare state changes worth a log line (a stuck mount); never per collection. */
  readonly log?: Logger;
}

/** A registered collector: its instruments and how to observe them once. */
export interface CollectorInstance {
  readonly observables: Observable[];
  collect(result: BatchObservableResult): Promise<void>;
}

/**
 * One host collector per file (cpu.ts, memory.ts, ...), each split into read
 * (I/O), parse (pure, unit-tested on fixture strings) and record. Instruments
 * follow the OpenTelemetry system.* semantic conventions; units are left off
 * where the Prometheus translation of OTLP would append a suffix the
 * Prometheus exporter does not, so the pull and push paths give identical
 * series names (docs/metrics.md lists each metric's unit).
 */
export interface HostCollector {
  readonly name: string;
  setup(meter: Meter, context: HostContext): CollectorInstance;
}
