import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { ApplicationFailure } from '@temporalio/activity';

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv6');

export const BLOCKED_ADDRESS = 'BlockedAddress';

/** True for loopback, private, link-local (cloud metadata), CGNAT, multicast and reserved addresses. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return BLOCKED.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family === 6) return BLOCKED.check(address, 'ipv6');
  return true;
}

export interface NetGuard {
  /** Throws (non-retryable) when the URL's host is an IP literal that is refused; true when the host is listed. */
  checkUrl(url: URL): boolean;
  /** A `lookup` for sockets that refuses private addresses after DNS resolution (unless the host is listed). */
  lookup(listed: boolean): typeof dnsLookup;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

export function createNetGuard(allowHosts: readonly string[]): NetGuard {
  const allow = new Set(allowHosts.map((h) => h.toLowerCase()));
  const allowed = (host: string, port: string) =>
    allow.has(host.toLowerCase()) || allow.has(`${host.toLowerCase()}:${port}`);
  const refuse = (host: string, address: string) =>
    ApplicationFailure.nonRetryable(
      `refused to connect to ${host} (${address}): loopback, private and link-local addresses are blocked; list the host in HTTP_ALLOW_HOSTS to allow it`,
      BLOCKED_ADDRESS,
    );
  return {
    checkUrl(url) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw ApplicationFailure.nonRetryable(`unsupported protocol ${url.protocol}`, 'InvalidUrl');
      const host = stripBrackets(url.hostname);
      const port = url.port || (url.protocol === 'https:' ? '443' : '80');
      if (allowed(host, port)) return true;
      if (isIP(host) && isPrivateAddress(host)) throw refuse(host, host);
      return false;
    },
    lookup: (listed) =>
      ((hostname: string, options: unknown, callback: unknown) => {
        const cb = (typeof options === 'function' ? options : callback) as (
          err: Error | null,
          address?: string | LookupAddress[],
          family?: number,
        ) => void;
        const opts = (typeof options === 'object' && options ? options : {}) as { all?: boolean; family?: number };
        dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
          if (err) return cb(err);
          const list = addresses as LookupAddress[];
          const bad = listed ? undefined : list.find((a) => isPrivateAddress(a.address));
          if (bad) return cb(refuse(hostname, bad.address));
          if (opts.all) return cb(null, list);
          return cb(null, list[0].address, list[0].family);
        });
      }) as typeof dnsLookup,
  };
}
