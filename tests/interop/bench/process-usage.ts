import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export interface Usage {
  cpuSeconds: number;
  peakRssMb: number;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** CPU seconds used and peak RSS of processes, sampled every 500 ms from /proc. */
export class UsageSampler {
  private readonly start = new Map<string, number>();
  private readonly peak = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: Map<string, number>) {}

  begin(): void {
    for (const [name, pid] of this.pids) this.start.set(name, cpuTicks(pid));
    this.timer = setInterval(() => this.sample(), 500);
  }

  private sample(): void {
    for (const [name, pid] of this.pids) {
      try {
        this.peak.set(name, Math.max(this.peak.get(name) ?? 0, rssMb(pid)));
      } catch {
        // the process ended; the report shows what was sampled
      }
    }
  }

  end(): Map<string, Usage> {
    clearInterval(this.timer);
    this.sample();
    const out = new Map<string, Usage>();
    for (const [name, pid] of this.pids) {
      const used = (cpuTicks(pid) - (this.start.get(name) ?? 0)) / TICKS_PER_SECOND;
      out.set(name, { cpuSeconds: used, peakRssMb: this.peak.get(name) ?? 0 });
    }
    return out;
  }
}
