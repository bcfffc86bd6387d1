/** A reference proxy, started: where clients connect, its processes (for their CPU), and a stop. */
export interface RunningProxy {
  url: string;
  pids(): number[];
  stop(): Promise<void>;
}
