/**
 * A separate Node process with several named connections (NESTJS_OPENFGA_CONNECTIONS:
 * `[{ name, options }]`) that flushes all of them at once, for the crash test of
 * named connections. Prints one JSON line per settled batch ("progress", with
 * its connection) and "done" when every flush ended.
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getOpenFgaServiceToken, OpenFgaModule, OpenFgaModuleOptions, OpenFgaService } from '../../../../src';

interface Connection {
  name: string;
  options: OpenFgaModuleOptions;
}

async function main() {
  const connections = JSON.parse(process.env.NESTJS_OPENFGA_CONNECTIONS ?? '[]') as Connection[];
  @Module({ imports: connections.map((c) => OpenFgaModule.forRoot({ ...c.options, name: c.name })) })
  class ConnectionsApp {}
  const app = await NestFactory.createApplicationContext(ConnectionsApp, { logger: false });
  try {
    await Promise.all(
      connections.map(({ name }) =>
        app.get<OpenFgaService>(getOpenFgaServiceToken(name)).flush({
          onProgress: (p) => process.stdout.write(`${JSON.stringify({ event: 'progress', connection: name, ...p })}\n`),
        }),
      ),
    );
    process.stdout.write(`${JSON.stringify({ event: 'done' })}\n`);
  } finally {
    await app.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
