import { request } from 'undici';
import { ApplicationFailure } from '@temporalio/activity';
import type { NodeParams } from '../../flow/index.js';
import type { NodeContext } from '../node-context.js';
import {
  REDIRECT_STATUSES,
  redirectTarget,
  responseTooLarge,
  tooManyRedirects,
  type OutboundRequest,
} from '../outbound.js';

export const HTTP_DEFAULTS = { timeoutMs: 30_000, maxBytes: 10 * 1024 * 1024, maxRedirects: 5 } as const;

export interface HttpOutput {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * One HTTP request through the worker's guarded dispatcher: every hop (redirects included) is
 * checked at the address it connects to, and redirects follow the one policy of outbound.ts.
 * 5xx, 429 and network errors are retryable (429 honours Retry-After); other 4xx are not.
 */
export async function http(params: NodeParams<'http'>, ctx: NodeContext): Promise<HttpOutput> {
  const timeoutMs = Number(params.timeoutMs ?? HTTP_DEFAULTS.timeoutMs);
  const maxBytes = Number(params.maxBytes ?? HTTP_DEFAULTS.maxBytes);
  let current: OutboundRequest = {
    url: buildUrl(params.url, params.query),
    method: params.method ?? 'GET',
    headers: { 'idempotency-key': ctx.idempotencyKey, ...lowerKeys(params.headers ?? {}) },
  };
  if (params.body !== undefined && params.body !== null && current.method !== 'GET' && current.method !== 'HEAD') {
    if (typeof params.body === 'string') current.body = params.body;
    else {
      current.body = JSON.stringify(params.body);
      current.headers['content-type'] ??= 'application/json';
    }
  }
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
  for (let hop = 0; ; hop++) {
    const { url } = current;
    ctx.netGuard.checkUrl(url);
    let response;
    try {
      response = await request(url, {
        method: current.method as 'GET',
        headers: current.headers,
        body: current.body,
        signal,
        dispatcher: ctx.netGuard.dispatcher,
      });
    } catch (err) {
      throw networkError(err, url, timeoutMs, ctx.signal);
    }
    const { statusCode } = response;
    const responseHeaders = flattenHeaders(response.headers);
    const location = responseHeaders.location;
    if (REDIRECT_STATUSES.has(statusCode) && location && params.followRedirects !== false) {
      await response.body.dump();
      if (hop >= HTTP_DEFAULTS.maxRedirects) throw tooManyRedirects(HTTP_DEFAULTS.maxRedirects);
      current = redirectTarget(current, statusCode, location, ctx.secrets);
      continue;
    }
    const raw = await readCapped(response.body, maxBytes, url, timeoutMs, ctx.signal);
    const parsed = parseBody(raw, responseHeaders['content-type'], params.responseType ?? 'auto');
    if (statusCode === 429) {
      const delayMs = retryAfterMs(responseHeaders['retry-after']);
      throw ApplicationFailure.create({
        message: `HTTP 429 from ${url.host}`,
        type: 'HttpTooManyRequests',
        nonRetryable: false,
        ...(delayMs ? { nextRetryDelay: delayMs } : {}),
      });
    }
    if (statusCode >= 500)
      throw ApplicationFailure.retryable(`HTTP ${statusCode} from ${url.host}${url.pathname}`, 'HttpServerError');
    if (statusCode >= 400)
      throw ApplicationFailure.nonRetryable(`HTTP ${statusCode} from ${url.host}${url.pathname}`, 'HttpClientError', {
        status: statusCode,
        body: truncate(ctx.mask(parsed)),
      });
    return { status: statusCode, headers: responseHeaders, body: parsed };
  }
}

function buildUrl(text: string, query: NodeParams<'http'>['query']): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw ApplicationFailure.nonRetryable(`"${text.slice(0, 200)}" is not a URL`, 'InvalidUrl');
  }
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.append(k, String(v));
  return url;
}

function networkError(err: unknown, url: URL, timeoutMs: number, cancel: AbortSignal): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (cancel.aborted) return err;
  const e = err as Error & { code?: string; cause?: unknown };
  if (e.cause instanceof ApplicationFailure) return e.cause;
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return new Error(`no response from ${url.host} within ${timeoutMs} ms`);
  return new Error(`cannot reach ${url.host}: ${e.code ?? e.message}`);
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): void },
  maxBytes: number,
  url: URL,
  timeoutMs: number,
  cancel: AbortSignal,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > maxBytes) {
        body.destroy();
        throw responseTooLarge(url.host, maxBytes);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw networkError(err, url, timeoutMs, cancel);
  }
  return Buffer.concat(chunks);
}

function parseBody(raw: Buffer, contentType: string | undefined, mode: 'auto' | 'json' | 'text'): unknown {
  const text = raw.toString('utf8');
  const isJson = mode === 'json' || (mode === 'auto' && /[/+]json\b/i.test(contentType ?? ''));
  if (!isJson) return text;
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    if (mode === 'json') throw ApplicationFailure.nonRetryable('response body is not JSON', 'InvalidJsonResponse');
    return text;
  }
}

function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function truncate(value: unknown): unknown {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text && text.length > 2000 ? `${text.slice(0, 2000)}…` : value;
}
