import { createHash, timingSafeEqual } from 'node:crypto';
import { createBearerCheck } from './auth.ts';

export interface MetricsAuthOptions {
  readonly bearerTokens: readonly string[];
  /** `user:password` pairs. */
  readonly basicAuthUsers: readonly string[];
}

/**
 * The credentials GET /metrics accepts, as Prometheus' scrape config sends
 * them (`authorization` / `bearer_token`, or `basic_auth`). Undefined when none
 * are configured: /metrics is open. Comparisons are constant-time, on digests.
 */
export function createMetricsAuth(options: MetricsAuthOptions): ((authorization: string | undefined) => boolean) | undefined {
  if (options.bearerTokens.length === 0 && options.basicAuthUsers.length === 0) return undefined;
  const bearer = options.bearerTokens.length > 0 ? createBearerCheck(options.bearerTokens) : () => false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const basic = options.basicAuthUsers.map(digest);
  return (authorization) => {
    if (authorization === undefined) return false;
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization.trim());
    if (match === null) return bearer(authorization);
    const presented = digest(Buffer.from(match[1]!, 'base64').toString('utf8'));
    let ok = false;
    for (const d of basic) ok = timingSafeEqual(d, presented) || ok;
    return ok;
  };
}

/** The WWW-Authenticate challenge for a 401 on /metrics. */
export function metricsChallenge(options: MetricsAuthOptions): string {
  return options.basicAuthUsers.length > 0 ? 'Basic realm="qb-agent", charset="UTF-8"' : 'Bearer realm="qb-agent"';
}
