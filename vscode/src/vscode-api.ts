/**
 * The `vscode` module as a value handed to the code that uses it, so that tests can hand a fake
 * (VS Code itself is not downloaded to test). Only src/extension.ts imports the real one.
 */
import type * as vscode from 'vscode';

export type Vscode = typeof vscode;
