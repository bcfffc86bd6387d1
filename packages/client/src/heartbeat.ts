/**
 * The client's own liveness check: a ping every `intervalMs`, and `onMissed` when its pong has not
 * come within `timeoutMs`. A path can be dead long before TCP notices (a NAT dropped it, a laptop
 * slept), and the server's pings only tell the server.
 */
export class Heartbeat {
  private timer: ReturnType<typeof setInterval> | undefined;
  private deadline: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    /** Sends a ping; false when there is no open socket to send it on. */
    private readonly ping: () => boolean,
    private readonly onMissed: () => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.deadline !== undefined || !this.ping()) return;
      this.deadline = setTimeout(() => {
        this.stop();
        this.onMissed();
      }, this.timeoutMs);
    }, this.intervalMs);
  }

  /** A pong came: the path is alive. */
  pong(): void {
    clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.deadline);
    this.timer = undefined;
    this.deadline = undefined;
  }
}
