/**
 * Test driver: runs the plugin's main code against the fake Figma API and speaks for the UI.
 */
import { mainToUiSchema, type MainToUi } from '../../plugin/bridge/index.ts';
import { FakeFigma } from './fake-figma/index.ts';
import { runPluginAsync } from '../../plugin/main/index.ts';

export type MessageOf<T extends MainToUi['type']> = Extract<MainToUi, { type: T }>;

export class PluginDriver {
  private cursor: number;
  constructor(readonly figma: FakeFigma) {
    // A fake may host several runs in turn; each driver reads only its own run's messages.
    this.cursor = figma.ui.posted.length;
  }

  /** Every message the main code posted, each checked against the bridge schema. */
  get messages(): MainToUi[] {
    return this.figma.ui.posted.map((m) => mainToUiSchema.parse(m));
  }

  send(message: unknown): void {
    this.figma.ui.sendFromUi(message);
  }

  /** Waits for the next message of `type` posted after the previous wait returned. */
  async next<T extends MainToUi['type']>(type: T, timeoutMs = 5000): Promise<MessageOf<T>> {
    const found = await this.waitForAsync(type, this.cursor, timeoutMs);
    this.cursor = found.index + 1;
    return found.message;
  }

  /** The first message of `type` at or after `from`, polling until it is posted. */
  private async waitForAsync<T extends MainToUi['type']>(type: T, from: number, timeoutMs: number): Promise<{ message: MessageOf<T>; index: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = this.figma.ui.posted;
      for (let i = from; i < all.length; i++) {
        const parsed = mainToUiSchema.parse(all[i]);
        if (parsed.type === type) return { message: parsed as MessageOf<T>, index: i };
      }
      if (Date.now() > deadline) throw new Error(`no "${type}" message; got ${all.map((m) => (m as { type: string }).type).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  private markAt = 0;

  /** Remembers how far the messages go now, for nextAfterMark. */
  mark(): void {
    this.markAt = this.figma.ui.posted.length;
  }

  /** The first message of `type` posted after mark(), whatever was read since. */
  async nextAfterMark<T extends MainToUi['type']>(type: T, timeoutMs = 5000): Promise<MessageOf<T>> {
    return (await this.waitForAsync(type, this.markAt, timeoutMs)).message;
  }

  /** Lets pending async work in the main code run (no message expected). */
  async settle(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  }
}

export async function startPluginAsync(figma: FakeFigma, command = ''): Promise<PluginDriver> {
  figma.command = command;
  const driver = new PluginDriver(figma);
  await runPluginAsync(figma, '<html>ui</html>');
  if (figma.shownHtml !== null) driver.send({ type: 'ui-ready' });
  return driver;
}
