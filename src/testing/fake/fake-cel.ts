/**
 * The CEL evaluator the fake evaluates conditions with: the optional peer
 * @bufbuild/cel (and its peer @bufbuild/protobuf), loaded the first time a
 * check reaches a conditional tuple, with OpenFGA's `ipaddress` type added
 * (a protobuf message `IPAddress`, as OpenFGA's CEL object type is named) and
 * its `ipaddress(string)` and `.in_cidr(string)` functions.
 */
import type { CelFunc, CelInput, CelObjectType } from '@bufbuild/cel';
import type { Registry } from '@bufbuild/protobuf';
import { loadOptionalPeer } from '../../observability/load-optional-peer';
import { inCidr, parseIpAddress, type IpAddress } from '../../model/ip-address';

type Cel = typeof import('@bufbuild/cel');
type Protobuf = typeof import('@bufbuild/protobuf');
type Wkt = typeof import('@bufbuild/protobuf/wkt');

export interface CelPeers {
  cel: Cel;
  /** The protobuf types conditions use beyond CEL's own: IPAddress. */
  registry: Registry;
  /** `ipaddress(string)` and `IPAddress.in_cidr(string)`. */
  funcs: CelFunc[];
  durationType: CelObjectType;
  timestampType: CelObjectType;
  ipAddressType: CelObjectType;
  duration(nanos: bigint): CelInput;
  timestamp(seconds: bigint, nanos: number): CelInput;
  ipAddress(ip: IpAddress): CelInput;
}

const FEATURE = 'OpenFgaFake evaluating a condition';
let loaded: CelPeers | undefined;

/** The evaluator; throws MissingPeerDependencyError when @bufbuild/cel or @bufbuild/protobuf is not installed. */
export function celPeers(): CelPeers {
  loaded ??= build(
    loadOptionalPeer<Cel>('@bufbuild/cel', FEATURE, ['@bufbuild/protobuf']),
    loadOptionalPeer<Protobuf>('@bufbuild/protobuf', FEATURE),
    loadOptionalPeer<Wkt>('@bufbuild/protobuf/wkt', FEATURE),
  );
  return loaded;
}

function build(cel: Cel, protobuf: Protobuf, wkt: Wkt): CelPeers {
  const { create } = protobuf;
  // `IPAddress { bytes addr = 1; string zone = 2; }`: CEL compares messages field by field, as OpenFGA compares addresses.
  const field = (name: string, number: number, type: number) => ({
    name,
    jsonName: name,
    number,
    type,
    label: wkt.FieldDescriptorProto_Label.OPTIONAL,
  });
  const file = protobuf.createFileRegistry(
    create(wkt.FileDescriptorProtoSchema, {
      name: 'nestjs_openfga_fake_ipaddress.proto',
      syntax: 'proto3',
      messageType: [
        {
          name: 'IPAddress',
          field: [field('addr', 1, wkt.FieldDescriptorProto_Type.BYTES), field('zone', 2, wkt.FieldDescriptorProto_Type.STRING)],
        },
      ],
    }),
    () => undefined,
  );
  const ipSchema = file.getMessage('IPAddress')!;
  const ipAddressType = cel.objectType(ipSchema);
  const ipAddress = (ip: IpAddress) => create(ipSchema, { addr: ip.bytes, zone: ip.zone });
  const funcs = [
    cel.celFunc('ipaddress', [cel.CelScalar.STRING], ipAddressType, (text) => {
      const ip = parseIpAddress(text);
      if (!ip) throw new Error(`'${text}' is not a well-formed IP address`);
      return ipAddress(ip);
    }),
    cel.celMethod('in_cidr', ipAddressType, [cel.CelScalar.STRING], cel.CelScalar.BOOL, function (cidr) {
      const addr = this.get(ipSchema.field.addr) as Uint8Array;
      const inside = inCidr({ bytes: addr, zone: this.get(ipSchema.field.zone) as string }, cidr);
      if (inside === undefined) throw new Error(`'${cidr}' is a malformed CIDR string`);
      return inside;
    }),
  ];
  return {
    cel,
    registry: protobuf.createRegistry(file),
    funcs,
    durationType: cel.objectType(wkt.DurationSchema),
    timestampType: cel.objectType(wkt.TimestampSchema),
    ipAddressType,
    duration: (nanos) => create(wkt.DurationSchema, { seconds: nanos / 1_000_000_000n, nanos: Number(nanos % 1_000_000_000n) }),
    timestamp: (seconds, nanos) => create(wkt.TimestampSchema, { seconds, nanos }),
    ipAddress,
  };
}
