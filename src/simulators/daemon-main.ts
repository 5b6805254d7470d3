// Entry point of a detached simulator's daemon process (started by `sim boot --detach`).
import { daemonMain } from './daemon.js';

await daemonMain(process.argv.slice(2));
