import { describe, expect, it } from 'vitest';
import { loadNativeUws } from './uws.js';

describe('loadNativeUws', () => {
  it('loads the native binary on this machine', () => {
    const uws = loadNativeUws();
    expect(typeof uws.App).toBe('function');
    expect(typeof uws.us_listen_socket_close).toBe('function');
  });

  it('refuses to start, with a coded error, where no native binary exists instead of falling back to pure JS', () => {
    expect(() => loadNativeUws({ platform: process.platform, arch: process.arch, abi: '999' })).toThrowError(
      expect.objectContaining({ code: 'E_UWS_NATIVE_UNAVAILABLE', details: expect.objectContaining({ abi: '999' }) }),
    );
  });
});
