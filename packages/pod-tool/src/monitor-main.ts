import { monitorContainer } from './containers/monitor.js';

// Entry of the detached-container monitor: argv runroot, id, PATH, CNI dir.
const [runroot, id, searchPath, cniPath] = process.argv.slice(2);
for (const name of ['SIGINT', 'SIGHUP', 'SIGPIPE'] as const) process.on(name, () => undefined);
let reported = false;
const report = (line: string) => {
  if (reported) return;
  reported = true;
  process.stdout.write(`${line}\n`, () => process.stdout.destroy());
};
monitorContainer({ runroot: runroot!, id: id!, searchPath: searchPath!, cniPath: cniPath!, execPath: process.execPath, report, onError: (error) => process.stderr.write(`${new Date().toISOString()} ${(error as Error)?.stack ?? error}\n`) }).catch((error: Error) => {
  report(`error ${error.message.split('\n')[0]}`);
  process.stderr.write(`${new Date().toISOString()} ${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
