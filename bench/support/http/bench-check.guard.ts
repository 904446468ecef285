/**
 * A minimal `@Check` guard, the stand-in P6 was written against before the
 * package's own (src/http) existed, now measured beside it: resolves the user
 * with the module's `resolveUser`, fills `{params.x}` placeholders, asks
 * `OpenFgaService.check`, and fails closed. Same call signature as `@Check`.
 */
import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { OPENFGA_OPTIONS } from '../../../src/openfga.constants';
import { OpenFgaService } from '../../../src/openfga.service';
import type { OpenFgaRequest, ResolvedOpenFgaOptions } from '../../../src/options/openfga-options.interface';

const BENCH_CHECK = Symbol('BENCH_CHECK');

interface CheckRule {
  relation: string;
  /** e.g. `document:{params.id}` */
  object: string;
}

function fill(template: string, request: OpenFgaRequest): string {
  return template.replace(/\{params\.(\w+)\}/g, (_, name: string) => String(request.params?.[name] ?? ''));
}

@Injectable()
export class BenchCheckGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly openfga: OpenFgaService,
    @Inject(OPENFGA_OPTIONS) private readonly options: ResolvedOpenFgaOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.get<CheckRule | undefined>(BENCH_CHECK, context.getHandler());
    if (!rule) return true;
    const request = context.switchToHttp().getRequest<OpenFgaRequest>();
    let allowed = false;
    try {
      const user = this.options.resolveUser ? await this.options.resolveUser(request) : undefined;
      allowed = user !== undefined && (await this.openfga.check(user, rule.relation, fill(rule.object, request)));
    } catch {
      allowed = false; // fail closed
    }
    if (!allowed) throw new ForbiddenException();
    return true;
  }
}

/** `@BenchCheck('viewer', 'document:{params.id}')` */
export function BenchCheck(relation: string, object: string): MethodDecorator {
  return applyDecorators(SetMetadata(BENCH_CHECK, { relation, object } satisfies CheckRule), UseGuards(BenchCheckGuard));
}
