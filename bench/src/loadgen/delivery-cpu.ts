/**
 * The generator's own CPU while frames arrive, apart from the handshakes before and the wait after:
 * the figure that says whether it can keep up with what it measures. Sampled on a timer, because
 * process.cpuUsage() per frame would cost a syscall per frame: the window runs from the first tick
 * that saw frames arrive to the last one, so it is exact to a tick (100 ms).
 */
const TICK_MS = 100;

export class DeliveryCpu {
  private first: { at: number; cpu: NodeJS.CpuUsage } | undefined;
  private last: { at: number; cpu: NodeJS.CpuUsage } | undefined;
  private seen = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly framesSoFar: () => number) {
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  /** CPU seconds and wall seconds of the delivery window (zeros if fewer than two ticks saw frames). */
  result(): { cpuSeconds: number; seconds: number } {
    clearInterval(this.timer);
    if (!this.first || !this.last) return { cpuSeconds: 0, seconds: 0 };
    const cpuMicros = this.last.cpu.user + this.last.cpu.system - (this.first.cpu.user + this.first.cpu.system);
    return { cpuSeconds: cpuMicros / 1e6, seconds: (this.last.at - this.first.at) / 1000 };
  }

  private tick(): void {
    const frames = this.framesSoFar();
    if (frames === this.seen) return;
    this.seen = frames;
    const sample = { at: performance.now(), cpu: process.cpuUsage() };
    this.first ??= sample;
    this.last = sample;
  }
}
