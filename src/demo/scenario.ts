/**
 * Scenarios: how healthy the simulated platform is over (simulated) time.
 * `normal` has a little of everything an operator sees on a good day; `incident`
 * starts the same and then, after `onsetSec`, degrades enough to cross the alert
 * thresholds (5xx share above 10 %, p95 latency above 2 s, quality below 70).
 */
export type ScenarioName = 'normal' | 'incident';

export const SCENARIO_NAMES: readonly ScenarioName[] = ['normal', 'incident'];

export interface Health {
  /** Share of API requests answered 5xx. */
  readonly serverErrorShare: number;
  /** Share of API requests answered 4xx. */
  readonly clientErrorShare: number;
  /** Share of API requests that are slow (2 s and more). */
  readonly slowShare: number;
  /** Points subtracted from every task type's quality mean. */
  readonly qualityPenalty: number;
}

export interface Scenario {
  readonly name: ScenarioName;
  /** Health at a simulated time (seconds since the run started). */
  healthAt(simSec: number): Health;
}

const HEALTHY: Health = { serverErrorShare: 0.01, clientErrorShare: 0.04, slowShare: 0.01, qualityPenalty: 0 };

/** Degraded health at full strength; a ramp of `rampSec` leads into it. */
const INCIDENT: Health = { serverErrorShare: 0.22, clientErrorShare: 0.05, slowShare: 0.12, qualityPenalty: 24 };

export interface ScenarioOptions {
  /** Simulated seconds before the incident begins (incident scenario only). */
  readonly onsetSec?: number;
  /** Simulated seconds from the onset to full strength. */
  readonly rampSec?: number;
}

export function createScenario(name: ScenarioName, options: ScenarioOptions = {}): Scenario {
  if (name === 'normal') return { name, healthAt: () => HEALTHY };
  const onsetSec = options.onsetSec ?? 30;
  const rampSec = options.rampSec ?? 30;
  return {
    name,
    healthAt(simSec: number): Health {
      if (simSec < onsetSec) return HEALTHY;
      const k = rampSec <= 0 ? 1 : Math.min(1, (simSec - onsetSec) / rampSec);
      const mix = (a: number, b: number) => a + (b - a) * k;
      return {
        serverErrorShare: mix(HEALTHY.serverErrorShare, INCIDENT.serverErrorShare),
        clientErrorShare: mix(HEALTHY.clientErrorShare, INCIDENT.clientErrorShare),
        slowShare: mix(HEALTHY.slowShare, INCIDENT.slowShare),
        qualityPenalty: mix(HEALTHY.qualityPenalty, INCIDENT.qualityPenalty),
      };
    },
  };
}
