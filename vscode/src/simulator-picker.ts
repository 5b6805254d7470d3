/** The QuickPick of running simulators, and choosing the simulator a command acts on. */
import type * as vscode from 'vscode';
import { describeSimulator } from './simulator-list';
import type { SimulatorState } from './simulator-state';
import type { Vscode } from './vscode-api';

interface SimulatorItem extends vscode.QuickPickItem {
  /** undefined: no simulator picked (Run starts a new one and sim names it). */
  simulatorName: string | undefined;
}

const NEW_SIMULATOR_LABEL = '$(add) New simulator';

/** The picker's items. Pure. */
export function pickerItems(state: Pick<SimulatorState, 'simulators' | 'picked'>, offerNew: boolean): SimulatorItem[] {
  const items: SimulatorItem[] = state.simulators.map((s) => ({
    label: `${s.name === state.picked ? '$(check)' : '$(vm)'} ${s.name}`,
    description: describeSimulator(s),
    simulatorName: s.name,
  }));
  if (offerNew) items.push({ label: NEW_SIMULATOR_LABEL, description: 'Run starts one; sim chooses its name', simulatorName: undefined });
  return items;
}

/** sim.pickSimulator: sets the picked simulator. */
export async function pickSimulator(api: Vscode, state: SimulatorState): Promise<void> {
  const choice = await api.window.showQuickPick(pickerItems(state, true), { placeHolder: 'The simulator that Run, Stop, Screenshot and Screen act on' });
  if (choice) state.pick(choice.simulatorName);
}

/** The simulator a command acts on: the picked or only one, else asked; undefined when none. */
export async function targetSimulator(api: Vscode, state: SimulatorState, action: string): Promise<string | undefined> {
  const implicit = state.implicitTarget();
  if (implicit) return implicit;
  if (!state.simulators.length) {
    void api.window.showInformationMessage(`sim: no simulator is running to ${action}.`);
    return undefined;
  }
  const choice = await api.window.showQuickPick(pickerItems(state, false), { placeHolder: `The simulator to ${action}` });
  return choice?.simulatorName;
}
