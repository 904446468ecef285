import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { OpenFgaHealthModule } from '../nestjs-openfga';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), OpenFgaHealthModule.forRoot({ maxPending: 10_000, maxOldestAge: 120 })],
  controllers: [HealthController],
})
export class HealthModule {}
