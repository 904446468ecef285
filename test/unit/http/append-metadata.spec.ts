import 'reflect-metadata';
import type { CallHandler, CanActivate, NestInterceptor } from '@nestjs/common';
import { Sse, UseGuards, UseInterceptors } from '@nestjs/common';
import type { Observable } from 'rxjs';
import {
  GUARDS_METADATA,
  INTERCEPTORS_METADATA,
  SSE_METADATA,
  useGuardOnce,
  useInterceptorOnce,
} from '../../../src/http/append-metadata.decorator';

class SomeGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

class SomeInterceptor implements NestInterceptor {
  intercept(_context: unknown, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

// The local keys stand in for Nest's non-public `@nestjs/common/constants`: they must be the ones its decorators write.
describe('the guard and interceptor metadata keys', () => {
  it('are the keys @UseGuards and @UseInterceptors write, on classes and on methods', () => {
    @UseGuards(SomeGuard)
    @UseInterceptors(SomeInterceptor)
    class Controller {
      @UseGuards(SomeGuard)
      @UseInterceptors(SomeInterceptor)
      route(): void {}
    }
    expect(Reflect.getOwnMetadataKeys(Controller)).toEqual(expect.arrayContaining([GUARDS_METADATA, INTERCEPTORS_METADATA]));
    expect(Reflect.getOwnMetadata(GUARDS_METADATA, Controller)).toEqual([SomeGuard]);
    expect(Reflect.getOwnMetadata(INTERCEPTORS_METADATA, Controller)).toEqual([SomeInterceptor]);
    expect(Reflect.getOwnMetadata(GUARDS_METADATA, Controller.prototype.route)).toEqual([SomeGuard]);
    expect(Reflect.getOwnMetadata(INTERCEPTORS_METADATA, Controller.prototype.route)).toEqual([SomeInterceptor]);
  });

  it('is the key @Sse writes on its route, which @Grant/@Revoke are refused on', () => {
    class Controller {
      @Sse('events')
      events(): void {}
      plain(): void {}
    }
    expect(Reflect.getOwnMetadata(SSE_METADATA, Controller.prototype.events)).toBe(true);
    expect(Reflect.getOwnMetadata(SSE_METADATA, Controller.prototype.plain)).toBeUndefined();
  });

  it('let useGuardOnce and useInterceptorOnce see a guard or interceptor already applied', () => {
    @useGuardOnce(SomeGuard)
    @useInterceptorOnce(SomeInterceptor)
    @UseGuards(SomeGuard)
    @UseInterceptors(SomeInterceptor)
    class Controller {
      @useGuardOnce(SomeGuard)
      @useGuardOnce(SomeGuard)
      @useInterceptorOnce(SomeInterceptor)
      @useInterceptorOnce(SomeInterceptor)
      route(): void {}
    }
    expect(Reflect.getOwnMetadata(GUARDS_METADATA, Controller)).toEqual([SomeGuard]);
    expect(Reflect.getOwnMetadata(INTERCEPTORS_METADATA, Controller)).toEqual([SomeInterceptor]);
    expect(Reflect.getOwnMetadata(GUARDS_METADATA, Controller.prototype.route)).toEqual([SomeGuard]);
    expect(Reflect.getOwnMetadata(INTERCEPTORS_METADATA, Controller.prototype.route)).toEqual([SomeInterceptor]);
  });
});
