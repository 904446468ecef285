import { Module } from '@nestjs/common';
import { OpenFgaCliConsole } from './cli-console';
import { OpenFgaModelTypesCommand } from './model-types.command';
import { OpenFgaModelCommand } from './model.command';
import { OpenFgaModelWriteCommand } from './model-write.command';

/**
 * The model commands (`model types`) for a nest-commander CLI. They read a
 * model file only: no `OpenFgaModule` needed. `OpenFgaCliModule` includes them.
 */
@Module({
  providers: [OpenFgaCliConsole, OpenFgaModelCommand, OpenFgaModelTypesCommand, OpenFgaModelWriteCommand],
})
export class OpenFgaModelCliModule {}
