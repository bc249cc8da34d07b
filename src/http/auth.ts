import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';

/** The credentials a route accepts; a route with none configured is open. */
export interface Credentials {
  readonly bearerTokens: readonly string[];
  /** `user:password` pairs for HTTP basic auth (as Prometheus' basic_auth scrape option sends them). */
  readonly basicAuthUsers?: readonly string[];
}

/** How a route turns away a request without valid credentials. */
export interface AuthRequirement {
  readonly credentials: Credentials;
  /** The realm of the WWW-Authenticate challenge. */
  readonly realm: string;
  /** The 401's message: which credentials the route wants. */
  readonly message: string;
}

/** A fastify onRequest hook: returns when the request may proceed, throws the 401 otherwise. */
export type AuthHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

const digest = (secret: string): Buffer => createHash('sha256').update(secret).digest();

/**
 * Secrets compared in constant time: both sides are hashed to equal-length
 * digests first, so neither the secret's content nor its length leaks
 * through timing, and every secret is compared, not just until a match.
 */
class SecretSet {
  readonly #digests: readonly Buffer[];

  constructor(secrets: readonly string[]) {
    this.#digests = secrets.map(digest);
  }

  has(presented: string): boolean {
    const d = digest(presented);
    let found = false;
    for (const known of this.#digests) found = timingSafeEqual(known, d) || found;
    return found;
  }
}

/**
 * Checks an Authorization header: `Bearer <token>` against the tokens, or
 * `Basic <base64 user:password>` against the users. Undefined when nothing is
 * configured: the route is open.
 */
export function credentialCheck(credentials: Credentials): ((authorization: string | undefined) => boolean) | undefined {
  const users = credentials.basicAuthUsers ?? [];
  if (credentials.bearerTokens.length === 0 && users.length === 0) return undefined;
  const tokens = new SecretSet(credentials.bearerTokens);
  const basic = new SecretSet(users);
  return (authorization) => {
    if (authorization === undefined) return false;
    const header = authorization.trim();
    const basicMatch = users.length > 0 ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header) : null;
    if (basicMatch) return basic.has(Buffer.from(basicMatch[1]!, 'base64').toString('utf8'));
    const bearerMatch = /^Bearer\s+(.+)$/i.exec(header);
    // Compared even without a match, so a malformed header takes the same time as a wrong token.
    const found = tokens.has(bearerMatch?.[1] ?? '');
    return found && bearerMatch !== null;
  };
}

/** The WWW-Authenticate challenge: basic auth when users are configured, else bearer. */
export function challenge(requirement: AuthRequirement): string {
  const users = requirement.credentials.basicAuthUsers ?? [];
  return users.length > 0 ? `Basic realm="${requirement.realm}", charset="UTF-8"` : `Bearer realm="${requirement.realm}"`;
}

/**
 * The one way a route rejects: 401 with the catalogue's `unauthorized` body
 * and a WWW-Authenticate challenge, before the body is read. Undefined when
 * the route is open (no credentials configured).
 */
export function requireCredentials(requirement: AuthRequirement): AuthHook | undefined {
  const check = credentialCheck(requirement.credentials);
  if (!check) return undefined;
  const header = challenge(requirement);
  return async (request, reply) => {
    if (check(request.headers.authorization)) return;
    void reply.header('www-authenticate', header);
    throw new ApiError('unauthorized', requirement.message);
  };
}
