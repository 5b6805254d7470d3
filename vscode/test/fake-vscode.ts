/**
 * A fake of the parts of the `vscode` module the extension uses, recording what the extension
 * does to it (registered commands, output lines, notifications, status bar text, webviews).
 */
import * as path from 'node:path';
import type { Vscode } from '../src/vscode-api';

export class FakeUri {
  constructor(
    readonly scheme: string,
    readonly value: string,
  ) {}
  static parse(value: string): FakeUri {
    return new FakeUri(new URL(value).protocol.replace(/:$/, ''), value);
  }
  static file(fsPath: string): FakeUri {
    return new FakeUri('file', path.resolve(fsPath));
  }
  get fsPath(): string {
    return this.value;
  }
  toString(_skipEncoding?: boolean): string {
    return this.scheme === 'file' ? `file://${this.value}` : this.value;
  }
}

export interface FakeOutputChannel {
  name: string;
  lines: string[];
  shown: number;
  disposed: boolean;
  appendLine(line: string): void;
  append(text: string): void;
  show(preserveFocus?: boolean): void;
  dispose(): void;
}

export interface FakeStatusBarItem {
  text: string;
  tooltip: string;
  command?: string;
  name?: string;
  visible: boolean;
  disposed: boolean;
  show(): void;
  hide(): void;
  dispose(): void;
}

export interface FakeWebviewPanel {
  viewType: string;
  title: string;
  options: unknown;
  webview: { html: string; cspSource: string };
  htmlSets: number;
  revealed: number;
  disposed: boolean;
  onDidDispose(listener: () => void): { dispose(): void };
  reveal(): void;
  dispose(): void;
}

export interface FakeVscodeOptions {
  folders?: string[];
  settings?: Record<string, unknown>;
  /** What a QuickPick answers: an item's label (icons included) or undefined (dismissed). */
  quickPick?: (items: { label: string }[]) => string | undefined;
  /** What the error notification's buttons answer. */
  errorChoice?: string;
  /** env.asExternalUri: the local address by default. */
  externalUri?: (url: string) => string;
}

export function createFakeVscode(options: FakeVscodeOptions = {}) {
  const recorded = {
    commands: new Map<string, (...args: unknown[]) => unknown>(),
    executed: [] as { command: string; args: unknown[] }[],
    contexts: new Map<string, unknown>(),
    channels: new Map<string, FakeOutputChannel>(),
    statusItems: [] as FakeStatusBarItem[],
    errors: [] as string[],
    infos: [] as string[],
    quickPicks: [] as { items: { label: string; description?: string }[]; placeHolder?: string }[],
    panels: [] as FakeWebviewPanel[],
    progress: [] as string[],
    watchers: [] as { pattern: string; created: (() => void)[]; deleted: (() => void)[] }[],
  };
  const settings = { ...options.settings };

  const outputChannel = (name: string): FakeOutputChannel => {
    const channel: FakeOutputChannel = {
      name,
      lines: [],
      shown: 0,
      disposed: false,
      appendLine: (line) => channel.lines.push(...line.split('\n')),
      append: (text) => channel.lines.push(text),
      show: () => void channel.shown++,
      dispose: () => void (channel.disposed = true),
    };
    recorded.channels.set(name, channel);
    return channel;
  };

  const api = {
    Uri: FakeUri,
    StatusBarAlignment: { Left: 1, Right: 2 },
    ViewColumn: { Active: -1, Beside: -2, One: 1 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    window: {
      activeTextEditor: undefined,
      createOutputChannel: outputChannel,
      createStatusBarItem: () => {
        const item: FakeStatusBarItem = {
          text: '',
          tooltip: '',
          visible: false,
          disposed: false,
          show: () => void (item.visible = true),
          hide: () => void (item.visible = false),
          dispose: () => void (item.disposed = true),
        };
        recorded.statusItems.push(item);
        return item;
      },
      showErrorMessage: (message: string, ..._items: string[]) => {
        recorded.errors.push(message);
        return Promise.resolve(options.errorChoice);
      },
      showInformationMessage: (message: string) => {
        recorded.infos.push(message);
        return Promise.resolve(undefined);
      },
      showQuickPick: <T extends { label: string }>(items: T[], pickOptions?: { placeHolder?: string }) => {
        recorded.quickPicks.push({ items, placeHolder: pickOptions?.placeHolder });
        const label = options.quickPick?.(items);
        return Promise.resolve(items.find((i) => i.label === label));
      },
      withProgress: <R>(_options: unknown, task: (progress: { report(value: { message?: string }): void }) => Promise<R>) =>
        task({ report: (value) => void recorded.progress.push(value.message ?? '') }),
      createWebviewPanel: (viewType: string, title: string, _column: unknown, panelOptions: unknown) => {
        const disposeListeners: (() => void)[] = [];
        let html = '';
        const panel: FakeWebviewPanel = {
          viewType,
          title,
          options: panelOptions,
          webview: {
            cspSource: 'https://*.vscode-cdn.net',
            get html() {
              return html;
            },
            set html(value: string) {
              html = value;
              panel.htmlSets++;
            },
          },
          htmlSets: 0,
          revealed: 0,
          disposed: false,
          onDidDispose: (listener) => {
            disposeListeners.push(listener);
            return { dispose: () => undefined };
          },
          reveal: () => void panel.revealed++,
          dispose: () => {
            panel.disposed = true;
            for (const listener of disposeListeners) listener();
          },
        };
        recorded.panels.push(panel);
        return panel;
      },
    },
    commands: {
      registerCommand: (command: string, callback: (...args: unknown[]) => unknown) => {
        if (recorded.commands.has(command)) throw new Error(`command ${command} registered twice`);
        recorded.commands.set(command, callback);
        return { dispose: () => recorded.commands.delete(command) };
      },
      executeCommand: (command: string, ...args: unknown[]) => {
        recorded.executed.push({ command, args });
        if (command === 'setContext') recorded.contexts.set(args[0] as string, args[1]);
        return Promise.resolve(undefined);
      },
    },
    workspace: {
      workspaceFolders: (options.folders ?? []).map((folder, index) => ({ uri: FakeUri.file(folder), name: path.basename(folder), index })),
      getConfiguration: (section: string) => ({
        get: <T>(key: string, fallback: T): T => (`${section}.${key}` in settings ? (settings[`${section}.${key}`] as T) : fallback),
      }),
      onDidChangeWorkspaceFolders: () => ({ dispose: () => undefined }),
      createFileSystemWatcher: (pattern: string) => {
        const watcher = {
          pattern,
          created: [] as (() => void)[],
          deleted: [] as (() => void)[],
          onDidCreate: (listener: () => void) => (watcher.created.push(listener), { dispose: () => undefined }),
          onDidDelete: (listener: () => void) => (watcher.deleted.push(listener), { dispose: () => undefined }),
          onDidChange: () => ({ dispose: () => undefined }),
          dispose: () => undefined,
        };
        recorded.watchers.push(watcher);
        return watcher;
      },
    },
    env: {
      asExternalUri: (uri: FakeUri) => Promise.resolve(FakeUri.parse(options.externalUri ? options.externalUri(uri.toString()) : uri.toString())),
    },
  };

  /** Runs a registered command as VS Code would. */
  const run = async (command: string, ...args: unknown[]) => {
    const callback = recorded.commands.get(command);
    if (!callback) throw new Error(`command ${command} is not registered`);
    return await callback(...args);
  };

  return { api: api as unknown as Vscode, recorded, settings, run };
}

export function fakeExtensionContext() {
  return { subscriptions: [] as { dispose(): void }[] } as unknown as import('vscode').ExtensionContext & { subscriptions: { dispose(): void }[] };
}
