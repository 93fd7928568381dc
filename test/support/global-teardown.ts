export default async function globalTeardown() {
  const s = globalThis.__services;
  s?.redis?.kill('SIGTERM');
  await s?.stopPostgres?.();
}
