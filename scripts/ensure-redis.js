// Before `npm test`: make sure a real Redis can be started (Debian's redis-server), unless REDIS_URL is given.
const { execSync } = require('node:child_process');

const has = (cmd) => {
  try {
    execSync(`command -v ${cmd}`, { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
};

if (process.env.REDIS_URL || has('redis-server')) process.exit(0);
const isRoot = process.getuid && process.getuid() === 0;
if (isRoot && has('apt-get')) {
  console.log('redis-server is missing: installing Debian package redis-server (once) ...');
  try {
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null', { stdio: 'inherit', shell: '/bin/sh' });
    process.exit(0);
  } catch {
    /* fall through to the message */
  }
}
console.error(
  'The test suite needs a real Redis. Install redis-server (Debian/Ubuntu: sudo apt-get install -y redis-server;\n' +
    'macOS: brew install redis) or point REDIS_URL at a Redis server you can flush.',
);
process.exit(1);
