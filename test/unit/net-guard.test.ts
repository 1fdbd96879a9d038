import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { request } from 'undici';
import { createNetGuard, isBlockedAddress } from '../../activities/net-guard.js';
import { redirectTarget, type OutboundRequest } from '../../activities/outbound.js';
import { startHttpServer } from '../helpers/http-server.js';

describe('isBlockedAddress', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '169.254.169.254',
    '100.64.0.1',
    '192.168.1.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::7f00:1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b::808:808',
    '2002:7f00:1::1',
    '2002:0808:0808::1',
    '::7f00:1',
    '::127.0.0.1',
    '::8.8.8.8',
    'fec0::1',
    'feff::1',
    '[::1]',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '::ffff:8.8.8.8', '2606:4700:4700::1111', '2001:4860:4860::8888'])(
    'lets %s through',
    (address) => {
      expect(isBlockedAddress(address)).toBe(false);
    },
  );
});

describe('isBlockedAddress (property)', () => {
  const hex = (a: number, b: number) => ((a << 8) | b).toString(16);
  it('judges every IPv6 form that embeds an IPv4 address at least as strictly as the IPv4 address', () => {
    fc.assert(
      fc.property(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)), ([a, b, c, d]) => {
        const v4 = `${a}.${b}.${c}.${d}`;
        const blocked = isBlockedAddress(v4);
        expect(isBlockedAddress(`::ffff:${v4}`)).toBe(blocked);
        expect(isBlockedAddress(`::ffff:${hex(a, b)}:${hex(c, d)}`)).toBe(blocked);
        for (const embedded of [`64:ff9b::${v4}`, `2002:${hex(a, b)}:${hex(c, d)}::1`, `::${v4}`])
          expect(isBlockedAddress(embedded)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('guarded dispatcher', () => {
  it('checks the address it connects to, and exempts only the listed host:port', async () => {
    const server = await startHttpServer((_req, res) => res.writeHead(200).end('ok'));
    try {
      const port = new URL(server.url).port;
      const closed = createNetGuard([]);
      await expect(request(server.url, { dispatcher: closed.dispatcher })).rejects.toMatchObject({
        type: 'BlockedAddress',
      });
      await expect(request(`http://localhost:${port}/`, { dispatcher: closed.dispatcher })).rejects.toThrow(
        /refused to connect to localhost/,
      );
      const listed = createNetGuard([server.host]);
      const res = await request(server.url, { dispatcher: listed.dispatcher });
      expect(await res.body.text()).toBe('ok');
      const otherPort = createNetGuard(['127.0.0.1:1']);
      await expect(request(server.url, { dispatcher: otherPort.dispatcher })).rejects.toMatchObject({
        type: 'BlockedAddress',
      });
      const anyPort = createNetGuard(['127.0.0.1']);
      expect((await request(server.url, { dispatcher: anyPort.dispatcher })).statusCode).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('redirectTarget', () => {
  const secret = 'sk-live-0123456789';
  const base: OutboundRequest = {
    url: new URL('https://api.example.com/v1/items'),
    method: 'POST',
    headers: {
      authorization: 'Bearer x',
      cookie: 'a=b',
      'x-api-key': secret,
      'x-trace': 'keep',
      'content-type': 'application/json',
    },
    body: '{"a":1}',
  };

  it('keeps everything on the same origin, also the body of a 307', () => {
    const next = redirectTarget(base, 307, '/v2/items', [secret]);
    expect(next).toMatchObject({ method: 'POST', body: '{"a":1}', headers: base.headers });
    expect(next.url.href).toBe('https://api.example.com/v2/items');
  });

  it('drops Authorization, cookies and secret-bearing headers on another origin', () => {
    const next = redirectTarget({ ...base, method: 'GET', body: undefined }, 302, 'https://cdn.example.net/x', [
      secret,
    ]);
    expect(next.headers).toEqual({ 'x-trace': 'keep', 'content-type': 'application/json' });
    const scheme = redirectTarget({ ...base, method: 'GET', body: undefined }, 301, 'http://api.example.com/v1', [
      secret,
    ]);
    expect(scheme.headers.authorization).toBeUndefined();
  });

  it('turns a 303 (and a POST 301/302) into a GET without body', () => {
    const next = redirectTarget(base, 303, 'https://other.example/done', [secret]);
    expect(next).toMatchObject({ method: 'GET', body: undefined });
    expect(next.headers['content-type']).toBeUndefined();
    expect(redirectTarget(base, 302, '/x', [])).toMatchObject({ method: 'GET', body: undefined });
  });

  it('refuses a 307/308 that would resend the body to another origin', () => {
    for (const status of [307, 308])
      expect(() => redirectTarget(base, status, 'http://127.0.0.1:9/steal', [secret])).toThrow(
        expect.objectContaining({ type: 'RedirectRefused' }),
      );
  });

  it('refuses a redirect to another protocol', () => {
    expect(() => redirectTarget(base, 302, 'file:///etc/passwd', [])).toThrow(/unsupported protocol file:/);
  });
});
