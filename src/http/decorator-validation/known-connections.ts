import type { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { registeredConnections } from '../../connection/connection-registry';
import { connectionOf } from '../declared-connection';
import { findDeclarations } from './find-declarations';
import { UnknownConnectionError } from './unknown-connection.error';

/** Refuses start-up when a decorator names a connection the app did not register (the default one when unset). */
export function assertKnownConnections(discovery: DiscoveryService, scanner: MetadataScanner, reflector: Reflector): void {
  const registered = registeredConnections(discovery.getProviders());
  const problems = findDeclarations(discovery, scanner, reflector)
    .filter((d) => !registered.has(connectionOf(d)))
    .map((d) => `${d.where}: ${d.decorator} names connection "${connectionOf(d)}"`);
  if (problems.length > 0) throw new UnknownConnectionError([...new Set(problems)], [...registered.keys()]);
}
