import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { OpenFgaHealthIndicator } from '../nestjs-openfga';

/** Liveness for load balancers: 503 when the backlog is too big or old, on dead letters, or when Redis/OpenFGA do not answer. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly openfga: OpenFgaHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.openfga.isHealthy('openfga')]);
  }
}
