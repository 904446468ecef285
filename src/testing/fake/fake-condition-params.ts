/**
 * Condition parameters as CEL types and values, for the fake's evaluation. The
 * conversion of a JSON context value (what OpenFGA takes for each type) is the
 * module's own, in src/model/condition-context.ts.
 */
import type { CelInput, CelType } from '@bufbuild/cel';
import { ConditionNotEvaluable, convertContextValue, genericOf } from '../../model/condition-context';
import type { CelPeers } from './fake-cel';
import type { FakeConditionParameterType } from './fake-model';

export { ConditionNotEvaluable };

/** The CEL type of a declared parameter type. */
export function celTypeOf(type: FakeConditionParameterType, peers: CelPeers): CelType {
  const { cel } = peers;
  const { CelScalar } = cel;
  switch (type.type_name) {
    case 'TYPE_NAME_ANY':
      return CelScalar.DYN;
    case 'TYPE_NAME_BOOL':
      return CelScalar.BOOL;
    case 'TYPE_NAME_STRING':
      return CelScalar.STRING;
    case 'TYPE_NAME_INT':
      return CelScalar.INT;
    case 'TYPE_NAME_UINT':
      return CelScalar.UINT;
    case 'TYPE_NAME_DOUBLE':
      return CelScalar.DOUBLE;
    case 'TYPE_NAME_DURATION':
      return peers.durationType;
    case 'TYPE_NAME_TIMESTAMP':
      return peers.timestampType;
    case 'TYPE_NAME_IPADDRESS':
      return peers.ipAddressType;
    case 'TYPE_NAME_LIST':
      return cel.listType(celTypeOf(genericOf(type), peers));
    case 'TYPE_NAME_MAP':
      return cel.mapType(CelScalar.STRING, celTypeOf(genericOf(type), peers));
  }
  throw new ConditionNotEvaluable(`unknown condition parameter type ${type.type_name ?? '(none)'}`);
}

/** `value` as a CEL value of the declared type; throws ConditionNotEvaluable when it cannot be one (see condition-context). */
export function celValueOf(value: unknown, type: FakeConditionParameterType, peers: CelPeers): CelInput {
  return convertContextValue<CelInput>(value, type, {
    plain: (v) => v,
    any: (v) => v as CelInput,
    uint: (n) => peers.cel.celUint(n),
    duration: (ns) => peers.duration(ns),
    timestamp: (seconds, nanos) => peers.timestamp(seconds, nanos),
    ipAddress: (ip) => peers.ipAddress(ip),
    list: (items) => items,
    map: (entries) => entries,
  });
}
