// Debug aid: RSS of an idle node controller with no pods.
import { benchKube, cleanupNode, freePort, suffix } from '../test/support/kube-harness';
import { TestRelay } from '../test/support/test-relay';
import { VkProcess } from '../test/support/vk-process';
import { processUsage, sleep } from './bench-kit';

async function main(): Promise<void> {
  const { admin } = await benchKube();
  const relay = new TestRelay();
  await relay.start();
  const nodeName = `vk-rss-${suffix()}`;
  const vk = new VkProcess(nodeName, { InterlinkURL: relay.url, InterlinkPort: relay.portString, DisableCSR: true }, { KUBELET_PORT: String(await freePort()), LOG_LEVEL: 'warn' });
  vk.start();
  for (let i = 0; i < 4; i++) {
    await sleep(5000);
    console.log(`${(i + 1) * 5} s: RSS ${processUsage(vk.child?.pid ?? 0).rssMb.toFixed(0)} MB`);
  }
  await vk.kill('SIGTERM');
  await relay.stop();
  await cleanupNode(admin, nodeName);
  admin.close();
}
void main();
