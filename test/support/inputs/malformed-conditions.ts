/**
 * Malformed conditions for `grant`'s `condition` option and `grantMany`'s
 * tuples, with the field each must be refused at (valid for the model
 * test/fixtures/temporal-access.fga otherwise): nothing of a call with one
 * of them may be buffered or written.
 */
const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;

/** `needsModel`: refused only by the model's check (the condition, its parameters and their types are declared there). */
export const BAD_CONDITIONS: { condition: unknown; field: string; needsModel?: true }[] = [
  { condition: 'in_region', field: 'condition' },
  { condition: null, field: 'condition' },
  { condition: ['in_region'], field: 'condition' },
  { condition: {}, field: 'condition.name' },
  { condition: { name: '' }, field: 'condition.name' },
  { condition: { name: 'in region' }, field: 'condition.name' },
  { condition: { name: '1st' }, field: 'condition.name' },
  { condition: { name: 'x'.repeat(51) }, field: 'condition.name' },
  { condition: { name: 'in_region\u0000' }, field: 'condition.name' },
  { condition: { name: 42 }, field: 'condition.name' },
  { condition: { name: 'undeclared' }, field: 'condition.name', needsModel: true },
  { condition: { name: 'in_region', extra: 1 }, field: 'condition.extra' },
  { condition: { name: 'in_region', context: 'region=eu' }, field: 'condition.context' },
  { condition: { name: 'in_region', context: ['eu'] }, field: 'condition.context' },
  { condition: { name: 'in_region', context: new Date() }, field: 'condition.context' },
  { condition: { name: 'in_region', context: { region: undefined } }, field: 'condition.context.region' },
  { condition: { name: 'in_region', context: { region: NaN } }, field: 'condition.context.region' },
  { condition: { name: 'in_region', context: { region: () => 'eu' } }, field: 'condition.context.region' },
  { condition: { name: 'in_region', context: { region: 10n } }, field: 'condition.context.region' },
  { condition: { name: 'in_region', context: { region: '\ud800' } }, field: 'condition.context.region' },
  { condition: { name: 'in_region', context: { allowed: [Infinity] } }, field: 'condition.context.allowed[0]' },
  { condition: { name: 'in_region', context: { region: 'x'.repeat(5000) } }, field: 'condition.context' },
  { condition: { name: 'in_region', context: cyclic }, field: 'condition.context.self.self.self.self.self.self.self.self' },
  { condition: { name: 'in_region', context: { zone: 'eu' } }, field: 'condition.context.zone', needsModel: true },
  { condition: { name: 'in_region', context: { region: 5 } }, field: 'condition.context.region', needsModel: true },
  { condition: { name: 'in_region', context: { allowed: 'eu' } }, field: 'condition.context.allowed', needsModel: true },
];
