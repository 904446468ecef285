import { Controller, Get, HttpCode, ParseIntPipe, Post, Query, UseGuards, DefaultValuePipe } from '@nestjs/common';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { BufferedOperation, DeadLetter, DeadLetterRetry, FlushResult, OpenFgaService, OpenFgaStatus } from '../nestjs-openfga';

/** Operating the write-behind buffer over HTTP (the CLI in src/cli.ts does the same from a shell). */
@Controller('admin/openfga')
@UseGuards(AdminTokenGuard)
export class AdminController {
  constructor(private readonly openfga: OpenFgaService) {}

  /** Pending writes/deletes, oldest age, in flight, dead letters, last flush and (queue mode) job counts. */
  @Get('status')
  status(): Promise<OpenFgaStatus> {
    return this.openfga.status();
  }

  @Get('pending')
  pending(@Query('limit', new DefaultValuePipe(100), ParseIntPipe) limit: number): Promise<BufferedOperation[]> {
    return this.openfga.getPendingOperations(Math.min(Math.max(limit, 1), 1000));
  }

  /**
   * Flushes now. In queue mode this hands the claimed batches to BullMQ jobs
   * (`queued`, `jobs`) and returns; the worker writes them, and `status`
   * shows them `inFlight` until it has.
   */
  @Post('flush')
  @HttpCode(200)
  flush(): Promise<FlushResult> {
    return this.openfga.flush({ timeoutMs: 10_000 });
  }

  @Get('dead-letters')
  deadLetters(): Promise<DeadLetter[]> {
    return this.openfga.getDeadLetters();
  }

  @Post('dead-letters/retry')
  @HttpCode(200)
  retryDeadLetters(): Promise<DeadLetterRetry> {
    return this.openfga.retryDeadLetters();
  }
}
