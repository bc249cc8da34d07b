import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError } from '../errors.ts';
import type { Logger } from '../log.ts';

/**
 * Node's answer to a request that never became one (a malformed request line
 * or headers, headers larger than Node accepts, a request not received within
 * http.headersTimeoutMs / http.requestTimeoutMs), in the catalogue's words:
 * fastify's default writes its own JSON shape. Written straight to the socket,
 * which is then closed, as Node itself does.
 */
export function clientErrorHandler(log: Logger) {
  return function onClientError(err: Error & { code?: string }, socket: Socket): void {
    // A reset or an already closed socket: there is nobody to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const answer = describe(err);
    log.debug({ err, error: answer.code }, 'client error');
    // Node's own rule: an answer only where no response has started on this connection.
    const responding = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (socket.writable && !responding) {
      const body = JSON.stringify(answer.toBody());
      socket.write(
        `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}

function describe(err: Error & { code?: string }): ApiError {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError('request_timeout', 'the request did not arrive in time (headers within http.headersTimeoutMs, all of it within http.requestTimeoutMs)');
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError('headers_too_large', `the request line and headers are larger than ${maxHeaderSize} bytes`);
    default:
      return new ApiError('malformed_request', `the request is not valid HTTP/1.1 (${err.code ?? 'unparsable'})`);
  }
}
