import { ApiError } from '../errors.ts';

/** Fastify errors about the request's URL rather than its body. */
const URL_ERRORS = new Set(['FST_ERR_BAD_URL', 'FST_ERR_INVALID_URL', 'FST_ERR_MAX_PARAM_LENGTH']);

/**
 * The catalogue's answer to any error a request ran into: an ApiError as it
 * is; fastify's own errors (FST_ERR_*: body limits, content types, URLs) by
 * their status; anything else as `internal` (`expected: false`
 * means a bug the caller should log).
 */
export function errorAnswer(error: Error & { statusCode?: number; code?: string }): { answer: ApiError; expected: boolean } {
  if (error instanceof ApiError) return { answer: error, expected: true };
  const status = error.statusCode;
  if (status === undefined || status < 400 || status >= 500) {
    return { answer: new ApiError('internal', 'internal error; nothing was recorded'), expected: false };
  }
  if (status === 404) return { answer: new ApiError('not_found', error.message), expected: true };
  if (status === 408) return { answer: new ApiError('request_timeout', error.message), expected: true };
  if (status === 413) return { answer: new ApiError('body_too_large', error.message), expected: true };
  if (status === 415) return { answer: new ApiError('unsupported_media_type', 'Content-Type must be application/json or application/x-ndjson'), expected: true };
  if (error.code !== undefined && URL_ERRORS.has(error.code)) return { answer: new ApiError('malformed_request', error.message), expected: true };
  return { answer: new ApiError('malformed_body', error.message), expected: true };
}
