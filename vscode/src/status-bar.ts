/** The status bar item: the picked simulator and its state; a click opens the picker. */
import type * as vscode from 'vscode';
import type { SimulatorState } from './simulator-state';
import type { Vscode } from './vscode-api';

export interface StatusBarView {
  text: string;
  tooltip: string;
}

/** What the item says for a state. Pure. */
export function statusBarView(state: Pick<SimulatorState, 'simulators' | 'picked' | 'watch'>): StatusBarView {
  const running = state.simulators.length;
  const others = `${running} simulator${running === 1 ? '' : 's'} running. Click to pick one.`;
  if (state.watch === 'failed' && !running) return { text: '$(warning) sim', tooltip: 'sim ls --watch is not running (see the output channel "sim")' };
  if (!state.picked) return { text: '$(vm-outline) No simulator', tooltip: `Run starts a new simulator. ${others}` };
  const picked = state.simulators.find((s) => s.name === state.picked);
  if (!picked) return { text: `$(vm-outline) ${state.picked}: stopped`, tooltip: `Run starts ${state.picked} again. ${others}` };
  const icon = picked.status === 'starting' ? '$(loading~spin)' : '$(vm-running)';
  return { text: `${icon} ${picked.name}: ${picked.status}`, tooltip: `${picked.name} (image ${picked.image}). ${others}` };
}

export function createStatusBar(api: Vscode, state: SimulatorState): vscode.Disposable {
  const item = api.window.createStatusBarItem(api.StatusBarAlignment.Left, 50);
  item.name = 'sim simulator';
  item.command = 'sim.pickSimulator';
  const update = () => {
    const view = statusBarView(state);
    item.text = view.text;
    item.tooltip = view.tooltip;
  };
  update();
  item.show();
  const subscription = state.onChange(update);
  return {
    dispose: () => {
      subscription.dispose();
      item.dispose();
    },
  };
}
