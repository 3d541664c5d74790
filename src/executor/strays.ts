// Processes left behind by an executor that died (their process groups outlive it).
// Every task process carries CRONFLEET_EXECUTION_ID in its environment, so after a
// restart the executor can find and kill them when the server reports the execution
// lost. Linux only (/proc); elsewhere it finds nothing.
import { readdir, readFile } from 'node:fs/promises';

export async function findStrayProcesses(executionId: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const marker = `CRONFLEET_EXECUTION_ID=${executionId}\0`;
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = await readFile(`/proc/${entry}/environ`, 'latin1');
      if (`${environ}\0`.includes(marker)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** SIGKILLs every process (and its process group) still running for the execution. */
export async function killStrays(executionId: string): Promise<number> {
  const pids = await findStrayProcesses(executionId);
  for (const pid of pids) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // not a group leader, or already gone
      }
    }
  }
  return pids.length;
}
