/**
 * OpenFGA's `ipaddress` condition type, a custom CEL type of its own (not in
 * CEL's standard library): addresses and CIDRs read as Go's net/netip reads
 * them (no leading zeros in IPv4, IPv6 zones), an IPv4-mapped IPv6 address
 * unmapped, so it matches an IPv4 CIDR (internal/condition/types/ipaddress.go).
 */
export interface IpAddress {
  /** 4 bytes (IPv4) or 16 (IPv6). */
  bytes: Uint8Array;
  /** The IPv6 zone (`%eth0`), or ''. */
  zone: string;
}

const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** The address `text` names, unmapped, or undefined when it is not an address. */
export function parseIpAddress(text: string): IpAddress | undefined {
  const parsed = parseAddr(text);
  if (!parsed || !isMapped(parsed.bytes)) return parsed;
  return { bytes: parsed.bytes.slice(12), zone: '' };
}

/** Whether `ip` is in `cidr` (`addr/bits`), or undefined when `cidr` is malformed. */
export function inCidr(ip: IpAddress, cidr: string): boolean | undefined {
  const slash = cidr.lastIndexOf('/');
  const net = slash < 0 ? undefined : parseAddr(cidr.slice(0, slash));
  const bitsText = cidr.slice(slash + 1);
  if (!net || net.zone !== '' || !/^(?:0|[1-9]\d*)$/.test(bitsText)) return undefined;
  let bits = Number(bitsText);
  if (bits > net.bytes.length * 8) return undefined;
  let bytes = net.bytes;
  // As OpenFGA: a mapped IPv4 CIDR (::ffff:a.b.c.d/96+) is the IPv4 CIDR.
  if (isMapped(bytes) && bits >= 96) [bytes, bits] = [bytes.slice(12), bits - 96];
  if (ip.zone !== '' || ip.bytes.length !== bytes.length) return false;
  for (let bit = 0; bit < bits; bit += 8) {
    const mask = (0xff << (8 - Math.min(8, bits - bit))) & 0xff;
    if ((ip.bytes[bit / 8] & mask) !== (bytes[bit / 8] & mask)) return false;
  }
  return true;
}

function isMapped(bytes: Uint8Array): boolean {
  return bytes.length === 16 && MAPPED_PREFIX.every((b, i) => bytes[i] === b);
}

function parseAddr(text: string): IpAddress | undefined {
  if (IPV4.test(text)) return { bytes: Uint8Array.from(text.split('.'), Number), zone: '' };
  const percent = text.indexOf('%');
  const zone = percent < 0 ? '' : text.slice(percent + 1);
  if (percent >= 0 && zone === '') return undefined;
  const bytes = parseIpv6(percent < 0 ? text : text.slice(0, percent));
  return bytes && { bytes, zone };
}

/** The 16 bytes of an IPv6 address (hex groups, one `::`, an optional trailing dotted IPv4). */
function parseIpv6(text: string): Uint8Array | undefined {
  const v4 = /(?<=:)[^:]*\.[^:]*$/.exec(text)?.[0];
  if (v4 !== undefined && !IPV4.test(v4)) return undefined;
  // The dotted IPv4 part stands for two groups; its ':' before goes with it unless it is part of '::'.
  const head = v4 === undefined ? text : text.slice(0, -v4.length).replace(/(?<!:):$/, '');
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const [left, right = []] = halves.map((h) => (h === '' ? [] : h.split(':')));
  const groups = [...left, ...right];
  if (!groups.every((g) => HEX_GROUP.test(g))) return undefined;
  const wanted = v4 === undefined ? 8 : 6;
  // `::` stands for at least one group of zeros.
  if (halves.length === 2 ? groups.length >= wanted : groups.length !== wanted) return undefined;
  const all = [...left, ...Array<string>(wanted - groups.length).fill('0'), ...right];
  const bytes = all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
  return Uint8Array.from(v4 === undefined ? bytes : [...bytes, ...v4.split('.').map(Number)]);
}
