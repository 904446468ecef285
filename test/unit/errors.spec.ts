/** Every error the package exports belongs to one family an application can catch or filter on. */
import * as api from '../../src';
import * as cli from '../../src/cli';
import * as testing from '../../src/testing';
import { MissingPeerDependencyError, OpenFgaError } from '../../src';

function errorClasses(exports: Record<string, unknown>): [string, { prototype: object }][] {
  return Object.entries(exports).filter(
    (entry): entry is [string, { prototype: object }] =>
      typeof entry[1] === 'function' && (entry[1] as { prototype?: unknown }).prototype instanceof Error,
  );
}

describe('errors', () => {
  it.each([
    ['nestjs-openfga', api],
    ['nestjs-openfga/cli', cli],
    ['nestjs-openfga/testing', testing],
  ])('every error class exported by %s extends OpenFgaError', (_entry, exports) => {
    const classes = errorClasses(exports as Record<string, unknown>);
    expect(classes.length).toBeGreaterThan(0);
    const outside = classes.filter(([, cls]) => cls !== OpenFgaError && !(cls.prototype instanceof OpenFgaError));
    expect(outside.map(([name]) => name)).toEqual([]);
  });

  it('one missing-peer error names the package, the feature and the set-up step', () => {
    const err = new MissingPeerDependencyError('@nestjs/schedule', 'OpenFgaModule option "cron"', 'add `ScheduleModule.forRoot()`');
    expect(err).toBeInstanceOf(OpenFgaError);
    expect(err.name).toBe('MissingPeerDependencyError');
    expect(err).toMatchObject({ dependency: '@nestjs/schedule', feature: 'OpenFgaModule option "cron"' });
    expect(err.message).toBe(
      'OpenFgaModule option "cron" needs the "@nestjs/schedule" package: install it with `npm install @nestjs/schedule` and add `ScheduleModule.forRoot()`',
    );
  });
});
