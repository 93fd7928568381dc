// Before `npm test`: the suite needs a real Redis (Debian's redis-server, unless REDIS_URL/TEST_REDIS_URL is
// given), Chromium for the explorer's browser test (Debian's chromium, or CHROMIUM_PATH), and for the
// scale-out test (test/support/scale-cluster.ts) PostgreSQL server binaries with pg_basebackup (Debian's
// postgresql, or PG_BINDIR) and pgbouncer. As root on Debian the missing ones are installed in one
// apt-get run; elsewhere this says what to install.
const { execSync } = require('node:child_process');
const { existsSync, readdirSync } = require('node:fs');

const has = (cmd) => {
  try {
    execSync(`command -v ${cmd}`, { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
};
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const hasPgBasebackup = () =>
  process.env.PG_BINDIR
    ? existsSync(`${process.env.PG_BINDIR}/pg_basebackup`)
    : existsSync('/usr/lib/postgresql') &&
      readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/pg_basebackup`));
const missing = () => [
  ...(process.env.TEST_REDIS_URL || has('redis-server') ? [] : ['redis-server']),
  ...(existsSync(chromium) ? [] : ['chromium']),
  ...(hasPgBasebackup() ? [] : ['postgresql']),
  ...(['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'].some((p) => existsSync(p))
    ? []
    : ['pgbouncer']),
];

let packages = missing();
if (packages.length && !process.env.CHROMIUM_PATH && process.getuid?.() === 0 && has('apt-get')) {
  console.log(`installing Debian packages for the test suite (once): ${packages.join(' ')} ...`);
  try {
    execSync(
      `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages.join(' ')} >/dev/null`,
      { stdio: 'inherit', shell: '/bin/sh' },
    );
  } catch {
    /* reported below */
  }
  packages = missing();
}
if (packages.length) {
  console.error(
    `The test suite needs: ${packages.join(', ')}.\n` +
      '  Debian/Ubuntu: sudo apt-get install -y redis-server chromium postgresql pgbouncer; macOS: brew install redis postgresql pgbouncer, and a Chrome or Chromium.\n' +
      '  Or point TEST_REDIS_URL at a Redis you can flush, CHROMIUM_PATH at a Chromium/Chrome executable, PG_BINDIR at PostgreSQL server binaries with pg_basebackup.',
  );
  process.exit(1);
}
