/** Jest global teardown: stops every server the global setup started. */
export default async function globalTeardown(): Promise<void> {
  const servers = globalThis.__NESTJS_OPENFGA_SERVERS__ ?? [];
  await Promise.all(servers.map((s) => s.stop()));
}
