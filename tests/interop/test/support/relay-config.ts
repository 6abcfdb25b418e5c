import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot, waitFor } from '@interlink/testbench';
import { ProcessGroup, tcpOpen } from './process-group';

/**
 * Upstream's relay takes `SidecarPort: ""` next to a unix:// SidecarURL (Go: an empty string,
 * the port is not used for a socket); configs written for it must start our relay too.
 */
export function emptySidecarPortTest(port: number): void {
  it('our relay starts with SidecarPort "" and a unix:// SidecarURL, as upstream does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'interop-relay-config-'));
    const group = new ProcessGroup(dir);
    const config = join(dir, 'relay.yaml');
    writeFileSync(
      config,
      `InterlinkAddress: http://127.0.0.1\nInterlinkPort: "${port}"\nSidecarURL: unix://${dir}/plugin.sock\nSidecarPort: ""\n`,
    );
    try {
      group.start({
        name: 'relay',
        cmd: process.execPath,
        args: [join(repoRoot, 'dist/apps/interlink/main.js'), '--config', config],
        env: {},
      });
      const up = await waitFor(
        'relay listening or exited',
        async () => (await tcpOpen(port)) || group.exited('relay'),
        {
          timeoutMs: 30_000,
        },
      );
      expect(group.exited('relay'), group.tail('relay')).toBe(false);
      expect(up).toBe(true);
    } finally {
      await group.stopAll();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
}
