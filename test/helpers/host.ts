// The tests run the layers below the CLI directly: hand them this process, as the CLI does at start.
import { setHost } from '../../src/base/host.js';

setHost({ env: process.env, kill: (pid, signal) => void process.kill(pid, signal), uid: process.getuid?.(), pid: process.pid });
