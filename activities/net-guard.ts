import { isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { ApplicationFailure } from '@temporalio/activity';

/** IPv4 networks no node may reach unless its host is listed in HTTP_ALLOW_HOSTS. */
const BLOCKED_V4: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

/**
 * IPv6 networks refused outright. `::ffff:0:0/96` (IPv4-mapped) is not here: its embedded IPv4
 * address is checked instead. NAT64, 6to4 and IPv4-compatible addresses embed an IPv4 address that a
 * gateway may turn into a private one, so they are refused whole.
 */
const BLOCKED_V6: [string, number][] = [
  ['::', 96], // unspecified, loopback and IPv4-compatible (deprecated)
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 32], // Teredo
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

export const BLOCKED_ADDRESS = 'BlockedAddress';

function v4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/** The 16 bytes of an IPv6 address (any textual form Node accepts, dotted tail included). */
function v6Bytes(address: string): number[] {
  let text = address.split('%')[0].toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = v4Bytes(dotted[1]);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((g) => {
    const n = parseInt(g || '0', 16);
    return [n >> 8, n & 0xff];
  });
}

function inNetwork(bytes: number[], network: number[], prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((bytes[bit >> 3] & mask) !== (network[bit >> 3] & mask)) return false;
  }
  return true;
}

const V4_NETS = BLOCKED_V4.map(([net, prefix]) => [v4Bytes(net), prefix] as const);
const V6_NETS = BLOCKED_V6.map(([net, prefix]) => [v6Bytes(net), prefix] as const);

/**
 * True for loopback, private, link-local (cloud metadata), CGNAT, documentation, multicast and
 * reserved addresses, IPv4-mapped forms of those, and IPv6 transition prefixes that embed an IPv4
 * address (NAT64, 6to4, IPv4-compatible). Anything that is not an IP address counts as blocked.
 */
export function isBlockedAddress(address: string): boolean {
  const bare = address.startsWith('[') ? address.slice(1, -1) : address;
  const family = isIP(bare.split('%')[0]);
  if (family === 4) return V4_NETS.some(([net, prefix]) => inNetwork(v4Bytes(bare), net, prefix));
  if (family !== 6) return true;
  const bytes = v6Bytes(bare);
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return isBlockedAddress(bytes.slice(12).join('.'));
  return V6_NETS.some(([net, prefix]) => inNetwork(bytes, net, prefix));
}

export interface NetGuard {
  /** Throws (non-retryable) for a URL no node may fetch: another protocol, or a refused IP literal. */
  checkUrl(url: URL): void;
  /** True when the URL's `host` or `host:port` is in HTTP_ALLOW_HOSTS (that origin only, not where it redirects). */
  isListed(url: URL): boolean;
  /**
   * The one dispatcher every outbound connection of every node goes through. Each new connection
   * is checked twice: DNS answers are refused before connecting, and the address the socket actually
   * connected to is checked again before a byte is sent (so a rebinding DNS answer gains nothing).
   */
  dispatcher: Dispatcher;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

function refusal(host: string, address: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `refused to connect to ${host} (${address}): loopback, private, link-local and reserved addresses are blocked; list the host in HTTP_ALLOW_HOSTS to allow it`,
    BLOCKED_ADDRESS,
  );
}

/** Builds the SSRF guard of a worker from HTTP_ALLOW_HOSTS (`host` or `host:port` entries). */
export function createNetGuard(allowHosts: readonly string[]): NetGuard {
  const allow = new Set(allowHosts.map((h) => h.trim().toLowerCase()).filter(Boolean));
  const listed = (hostname: string, port: string) => {
    const host = stripBrackets(hostname).toLowerCase();
    const withPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    return allow.has(host) || allow.has(`[${host}]`) || allow.has(withPort);
  };

  const guardedLookup = ((hostname: string, options: unknown, callback: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as (
      err: Error | null,
      address?: string | LookupAddress[],
      family?: number,
    ) => void;
    const opts = (typeof options === 'object' && options ? options : {}) as { all?: boolean; family?: number };
    dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return cb(err);
      const bad = addresses.find((a) => isBlockedAddress(a.address));
      if (bad) return cb(refusal(hostname, bad.address));
      if (opts.all) return cb(null, addresses);
      return cb(null, addresses[0].address, addresses[0].family);
    });
  }) as typeof dnsLookup;

  const plain = buildConnector({});
  const guarded = buildConnector({ lookup: guardedLookup });
  const connect: buildConnector.connector = (options, callback) => {
    const port = options.port || (options.protocol === 'https:' ? '443' : '80');
    if (listed(options.hostname, port)) return plain(options, callback);
    const host = stripBrackets(options.hostname);
    if (isIP(host) && isBlockedAddress(host)) return callback(refusal(host, host), null);
    guarded(options, (err, socket) => {
      if (err) return callback(err, null);
      const address = socket!.remoteAddress;
      if (!address || isBlockedAddress(address)) {
        socket!.destroy();
        return callback(refusal(host, address ?? 'unknown address'), null);
      }
      callback(null, socket!);
    });
  };

  return {
    checkUrl(url) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw ApplicationFailure.nonRetryable(`unsupported protocol ${url.protocol}`, 'InvalidUrl');
      if (this.isListed(url)) return;
      const host = stripBrackets(url.hostname);
      if (isIP(host) && isBlockedAddress(host)) throw refusal(host, host);
    },
    isListed(url) {
      return listed(url.hostname, url.port || (url.protocol === 'https:' ? '443' : '80'));
    },
    dispatcher: new Agent({ connect }),
  };
}
