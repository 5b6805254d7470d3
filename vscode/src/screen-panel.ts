/** sim.showScreen: a webview panel with the web console's page, showing one simulator. */
import type * as vscode from 'vscode';
import { screenFrameUrl, screenHtml } from './screen-html';
import type { WebConsole } from './web-console';
import type { Vscode } from './vscode-api';

export class ScreenPanel {
  private panel: vscode.WebviewPanel | undefined;
  private frameUrl: string | undefined;

  constructor(
    private readonly api: Vscode,
    private readonly webConsole: WebConsole,
  ) {}

  async show(simulator: string): Promise<void> {
    const page = await this.webConsole.url();
    // In a remote window the page is forwarded to the desktop; locally this is the same address.
    const external = await this.api.env.asExternalUri(this.api.Uri.parse(page));
    const frameUrl = screenFrameUrl(external.toString(true), simulator);
    const title = `sim: ${simulator}`;
    if (!this.panel) {
      this.panel = this.api.window.createWebviewPanel('sim.screen', title, { viewColumn: this.api.ViewColumn.Beside, preserveFocus: true }, {
        // The page's own scripts (noVNC, xterm.js) run in the iframe, which the webview's sandbox
        // would otherwise forbid; the webview's HTML has none (its CSP allows none).
        enableScripts: true,
        // Keep the VNC connection while the panel is in a background tab.
        retainContextWhenHidden: true,
        localResourceRoots: [],
      });
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        this.frameUrl = undefined;
      });
    }
    this.panel.title = title;
    // Setting the same HTML again would reload the page and drop its connections.
    if (this.frameUrl !== frameUrl) {
      this.frameUrl = frameUrl;
      this.panel.webview.html = screenHtml({ frameUrl, cspSource: this.panel.webview.cspSource, title });
    }
    this.panel.reveal(undefined, true);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
