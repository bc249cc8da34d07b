import { afterEach } from 'vitest';
import type { AgentProcess } from './agent-process.ts';
import { startOtlpReceiver } from './otlp-receiver.ts';

export type Receiver = Awaited<ReturnType<typeof startOtlpReceiver>>;

/**
 * One agent process and one test OTLP receiver per test, both stopped after
 * each test whatever happened (the agent with SIGKILL: a test that wanted a
 * graceful stop has already made it).
 */
export function useAgentAndReceiver() {
  const slot: { agent: AgentProcess | undefined; receiver: Receiver | undefined } = { agent: undefined, receiver: undefined };
  afterEach(async () => {
    await slot.agent?.stop('SIGKILL');
    await slot.receiver?.stop();
    slot.agent = undefined;
    slot.receiver = undefined;
  });
  return slot;
}
