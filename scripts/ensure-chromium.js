// Before `npm test`: make sure the browser test can launch Debian's chromium (or CHROMIUM_PATH), installing it when root.
const { execSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (existsSync(chromium)) process.exit(0);

const has = (cmd) => {
  try {
    execSync(`command -v ${cmd}`, { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
};

const isRoot = process.getuid && process.getuid() === 0;
if (!process.env.CHROMIUM_PATH && isRoot && has('apt-get')) {
  console.log('chromium is missing: installing Debian package chromium (once) ...');
  try {
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null', { stdio: 'inherit', shell: '/bin/sh' });
    if (existsSync(chromium)) process.exit(0);
  } catch {
    /* fall through to the message */
  }
}
console.error(
  `The explorer browser test needs Chromium at ${chromium}. Install it (Debian/Ubuntu: sudo apt-get install -y chromium)\n` +
    'or set CHROMIUM_PATH to a Chromium/Chrome executable.',
);
process.exit(1);
