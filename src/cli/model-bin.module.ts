import { Module } from '@nestjs/common';
import { OpenFgaCliBinProgram } from './bin-program';
import { OpenFgaModelCliModule } from './openfga-model-cli.module';

/** The bin's root module for `model ...`: the model commands only, so they run without Redis, OpenFGA or any environment. */
@Module({ imports: [OpenFgaModelCliModule], providers: [OpenFgaCliBinProgram] })
export class OpenFgaModelBinModule {}
