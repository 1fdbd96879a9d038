import type { Request, RequestHandler } from 'express';
import { jsonPath } from '../flow/index.js';
import { HttpError } from './http-error.js';

/** How deep any JSON body may nest (objects and arrays). */
export const MAX_JSON_DEPTH = 64;

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * Without API keys the API trusts whoever can reach loopback, so a web page must not be able to
 * reach it through the browser: a rebound DNS name brings a foreign Host, a cross-site request
 * brings a foreign Origin. Both must name this server as the client connected to it.
 */
export function sameOriginOnly(): RequestHandler {
  return (req, _res, next) => {
    const port = req.socket.localPort;
    const host = req.headers.host;
    if (!host || !isOwn(hostAndPort(host), port))
      return next(
        new HttpError(
          403,
          'forbidden_host',
          `Host "${String(host ?? '').slice(0, 100)}" is not this server; without API_KEYS only localhost, 127.x.x.x and [::1] on port ${port} are served`,
        ),
      );
    const origin = req.headers.origin;
    if (origin !== undefined && !isOwn(originHostAndPort(origin), port))
      return next(
        new HttpError(
          403,
          'forbidden_origin',
          `Origin "${origin.slice(0, 100)}" is not this server; without API_KEYS cross-site requests are refused`,
        ),
      );
    next();
  };
}

function isOwn(target: { name: string; port: number } | undefined, port: number | undefined): boolean {
  return !!target && isLoopbackHost(target.name) && target.port === port;
}

function hostAndPort(host: string): { name: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(host);
  if (!m) return undefined;
  return { name: m[1], port: m[2] ? Number(m[2]) : 80 };
}

function originHostAndPort(origin: string): { name: string; port: number } | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return { name: url.hostname, port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 };
  } catch {
    return undefined;
  }
}

/** `%00` anywhere in the URL: Postgres text cannot hold it, and no name or id contains it. */
export function refuseNul(): RequestHandler {
  return (req, _res, next) => {
    const url = req.originalUrl;
    if (/%00/i.test(url) || url.includes(String.fromCharCode(0))) {
      const where = url.split('?')[0].includes('%00') ? 'path' : 'query';
      return next(
        new HttpError(
          400,
          'invalid_request',
          `the ${where} contains a NUL character (%00), which no name, id or value may hold`,
        ),
      );
    }
    next();
  };
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0);
}

/** JSON routes take JSON only: forms and text/plain are what a cross-site page can send without asking. */
export function requireJson(): RequestHandler {
  return (req, _res, next) => {
    if (!hasBody(req) || req.is(JSON_TYPES)) return next();
    next(
      new HttpError(
        415,
        'unsupported_media_type',
        `the body is ${req.headers['content-type'] ? `"${String(req.headers['content-type']).slice(0, 100)}"` : 'untyped'}; send it as application/json`,
      ),
    );
  };
}

/**
 * Flow definitions are stored as jsonb, which cannot hold `\u0000`; run inputs and other bodies
 * may (the event log and run state store such values escaped, and give them back as they came).
 */
const DEFINITION_ROUTE = /^\/flows(\/[^/]+)?\/?$|^\/flows\/import\//;

/**
 * Refuses a parsed JSON body nested deeper than MAX_JSON_DEPTH, or a flow definition holding a NUL
 * character (iterative: no stack to blow).
 */
export function checkJsonBody(): RequestHandler {
  return (req, _res, next) => {
    const problem = jsonProblem(req.body, MAX_JSON_DEPTH, { refuseNul: DEFINITION_ROUTE.test(req.path) });
    if (!problem) return next();
    next(new HttpError(400, 'invalid_request', `${problem.path}: ${problem.message}`, [problem]));
  };
}

export function jsonProblem(
  value: unknown,
  maxDepth = MAX_JSON_DEPTH,
  { refuseNul = true } = {},
): { path: string; message: string } | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (refuseNul && v.includes('\u0000'))
        return { path: jsonPath(path), message: 'contains a NUL character (\\u0000)' };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= maxDepth)
      return { path: jsonPath(path.slice(0, 8)) + '…', message: `is nested deeper than ${maxDepth} levels` };
    if (Array.isArray(v)) v.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
    else
      for (const [k, item] of Object.entries(v)) {
        if (refuseNul && k.includes('\u0000'))
          return { path: jsonPath(path), message: 'has a key with a NUL character (\\u0000)' };
        stack.push({ value: item, path: [...path, k] });
      }
  }
  return undefined;
}

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
