import { feedConfigFrom, loadBalancerConfigFrom, localConfigFrom, shardConfigFrom } from '@odin-ws/config';
import type { ModeOptions } from './program.js';

/**
 * The typed configuration of the mode the settings ask for: where cross-flag rules are checked
 * (one key source, TLS files in pairs, ports in range), so `odin-ws config check` finds what a start would.
 */
export function modeConfigOf({ mode, values, sources }: ModeOptions) {
  switch (mode) {
    case 'shard':
      return { mode, config: shardConfigFrom(values) } as const;
    case 'loadbalancer':
      return { mode, config: loadBalancerConfigFrom(values) } as const;
    case 'feed':
      return { mode, config: feedConfigFrom(values) } as const;
    case 'local':
      return { mode, config: localConfigFrom(values, sources.get('kafkaBrokers')?.kind !== 'default') } as const;
  }
}
