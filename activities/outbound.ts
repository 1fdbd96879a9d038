import { fetch as undiciFetch, Headers, Response } from 'undici';
import { ApplicationFailure } from '@temporalio/activity';
import type { NetGuard } from './net-guard.js';

export const OUTBOUND_DEFAULTS = { maxBytes: 10 * 1024 * 1024, maxRedirects: 5 } as const;

/** Headers that never follow a redirect to another origin. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'cookie2']);
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'transfer-encoding'];

export interface OutboundRequest {
  url: URL;
  method: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: string;
}

export const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * The request to send after a redirect, by one policy for every node:
 * - 303 (and 301/302 after a POST) becomes a GET without a body;
 * - to another origin (scheme, host or port), Authorization, Proxy-Authorization, cookies and every
 *   header whose value carries a secret are dropped;
 * - a 307/308 to another origin would resend the body: it is refused instead.
 * The next hop's address is checked by the guarded dispatcher when it connects.
 */
export function redirectTarget(
  current: OutboundRequest,
  status: number,
  location: string,
  secrets: readonly string[],
): OutboundRequest {
  let url: URL;
  try {
    url = new URL(location, current.url);
  } catch {
    throw ApplicationFailure.nonRetryable(
      `redirect to an invalid location from ${current.url.host}`,
      'InvalidRedirect',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw ApplicationFailure.nonRetryable(
      `redirect from ${current.url.host} to the unsupported protocol ${url.protocol}`,
      'InvalidRedirect',
    );
  let { method, body } = current;
  let headers = { ...current.headers };
  if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
    if (method !== 'HEAD') method = 'GET';
    body = undefined;
    for (const h of BODY_HEADERS) delete headers[h];
  }
  if (url.origin !== current.url.origin) {
    if (body !== undefined)
      throw ApplicationFailure.nonRetryable(
        `${status} redirect from ${current.url.origin} to another origin (${url.origin}) would resend the request body; refused (point the node at the new address itself)`,
        'RedirectRefused',
      );
    headers = Object.fromEntries(
      Object.entries(headers).filter(
        ([name, value]) => !CREDENTIAL_HEADERS.has(name) && !secrets.some((s) => s.length > 0 && value.includes(s)),
      ),
    );
  }
  return { url, method, headers, body };
}

export function tooManyRedirects(max: number): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`more than ${max} redirects`, 'TooManyRedirects');
}

export function responseTooLarge(host: string, maxBytes: number): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `response from ${host} exceeds maxBytes (${maxBytes} bytes)`,
    'ResponseTooLarge',
  );
}

export interface GuardedFetchOptions {
  guard: NetGuard;
  /** Secret values in this request: headers carrying one do not follow a redirect to another origin. */
  secrets: readonly string[];
  maxBytes?: number;
  maxRedirects?: number;
}

/**
 * A `fetch` for SDKs (the OpenAI client): every hop goes through the guarded dispatcher and the
 * redirect policy above (the SDK's fetch never follows a redirect by itself), and the response
 * body stops with ResponseTooLarge past `maxBytes`.
 */
export function guardedFetch(o: GuardedFetchOptions): typeof fetch {
  const maxBytes = o.maxBytes ?? OUTBOUND_DEFAULTS.maxBytes;
  const maxRedirects = o.maxRedirects ?? OUTBOUND_DEFAULTS.maxRedirects;
  const run = async (input: string | URL | { url: string }, init: RequestInit = {}) => {
    if (init.body !== undefined && init.body !== null && typeof init.body !== 'string')
      throw new TypeError('guardedFetch sends string bodies only');
    let request: OutboundRequest = {
      url: new URL(typeof input === 'string' || input instanceof URL ? input : input.url),
      method: (init.method ?? 'GET').toUpperCase(),
      headers: Object.fromEntries(new Headers(init.headers as never).entries()),
      body: (init.body as string | null | undefined) ?? undefined,
    };
    for (let hop = 0; ; hop++) {
      o.guard.checkUrl(request.url);
      const response = await undiciFetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: init.signal as never,
        redirect: 'manual',
        dispatcher: o.guard.dispatcher,
      });
      const location = response.headers.get('location');
      if (REDIRECT_STATUSES.has(response.status) && location) {
        await response.body?.cancel();
        if (hop >= maxRedirects) throw tooManyRedirects(maxRedirects);
        request = redirectTarget(request, response.status, location, o.secrets);
        continue;
      }
      return capResponse(response, maxBytes, request.url.host);
    }
  };
  return run as unknown as typeof fetch;
}

function capResponse(response: Response, maxBytes: number, host: string): Response {
  if (!response.body) return response;
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    void response.body.cancel();
    throw responseTooLarge(host, maxBytes);
  }
  let size = 0;
  const counted = (response.body as unknown as ReadableStream<Uint8Array>).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > maxBytes) controller.error(responseTooLarge(host, maxBytes));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Response(counted as never, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
