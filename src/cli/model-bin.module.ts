import { Module } from '@nestjs/common';
import { OpenFgaCliBinProgram } from './bin-program';
import { OpenFgaModelCliModule } from './openfga-model-cli.module';
import { OpenFgaCliConsole } from './cli-console';
import { OpenFgaStoreCommand } from './store-create.command';

/** The bin's root module for `model ...` and `store create`: set-up commands that run without Redis (and, for `model types`, without OpenFGA). */
@Module({ imports: [OpenFgaModelCliModule], providers: [OpenFgaCliBinProgram, OpenFgaCliConsole, OpenFgaStoreCommand] })
export class OpenFgaModelBinModule {}
