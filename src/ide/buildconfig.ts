/**
 * sim's configuration in a project's `.buildconfig`, the key file GNOME Builder (and Foundry)
 * read build configurations from: each group not containing a dot is a configuration, its
 * `run-command` is what the Run button starts (split with g_shell_parse_argv), `runtime=host`
 * runs it on the host, and a `default=true` configuration is the one chosen when the project
 * opens. Pure: the text in, the text out; an existing file keeps every other byte.
 */
import { SimError } from '../core/errors.js';
import { appendGroup, formatGroup, groupNames, isTrue, isValidGroupName, parseKeyFile, quoteArgv, replaceGroup, valueOf } from './keyfile.js';

export const BUILDCONFIG_FILE = '.buildconfig';
/** Foundry's own place, read (merged with .foundry/user/buildconfig) only when there is no .buildconfig. */
export const FOUNDRY_BUILDCONFIG_FILE = '.foundry/project/buildconfig';

/**
 * Which file to write, given which exist: `.buildconfig` (Builder and Foundry read it), except in
 * a project that has only Foundry's file — a new `.buildconfig` would hide that one from Foundry.
 */
export function buildconfigTarget(exists: { buildconfig: boolean; foundry: boolean }): string {
  return !exists.buildconfig && exists.foundry ? FOUNDRY_BUILDCONFIG_FILE : BUILDCONFIG_FILE;
}
export const SIM_GROUP = 'sim';
export const SIM_CONFIG_NAME = 'Run in simulator (sim)';

export interface BuildconfigRequest {
  /** The configuration id (the group's name). */
  group: string;
  /** The Run button's argv. */
  runCommand: readonly string[];
  /** Replace sim's group when it is there already. */
  force: boolean;
}

export type BuildconfigAction = 'created' | 'added' | 'replaced' | 'kept';

export interface BuildconfigPlan {
  action: BuildconfigAction;
  /** The file's new text; undefined when nothing is written (`kept`). */
  text?: string;
  /** Whether sim's configuration carries default=true (false when another one already does). */
  isDefault: boolean;
  /** Another configuration marked default, which keeps that role. */
  otherDefault?: string;
  /** The run-command as written (before key-file escaping). */
  runCommand: string;
}

/** Configuration ids: groups without a dot (`[ID.environment]` and the like belong to one). */
export function configurationIds(text: string): string[] {
  return groupNames(parseKeyFile(text)).filter((name) => !name.includes('.'));
}

/** What to write into `.buildconfig` (its current text, or undefined when there is none). */
export function planBuildconfig(existing: string | undefined, request: BuildconfigRequest): BuildconfigPlan {
  if (!isValidGroupName(request.group) || request.group.includes('.')) {
    throw new SimError('USAGE', `'${request.group}' cannot name a configuration in ${BUILDCONFIG_FILE}.`, 'Use letters, digits, - and _ (no dot and no brackets).');
  }
  const runCommand = quoteArgv(request.runCommand);
  const lines = parseKeyFile(existing ?? '');
  const ids = configurationIds(existing ?? '');
  const otherDefault = ids.find((id) => id !== request.group && isTrue(valueOf(lines, id, 'default')));
  const isDefault = otherDefault === undefined;
  const present = ids.includes(request.group);
  if (present && !request.force) {
    return { action: 'kept', isDefault: isTrue(valueOf(lines, request.group, 'default')), ...(otherDefault ? { otherDefault } : {}), runCommand: valueOf(lines, request.group, 'run-command') ?? runCommand };
  }
  const group = formatGroup(request.group, [
    ['name', SIM_CONFIG_NAME],
    // Builder builds with its own pipeline first; sim builds the module itself, on the host.
    ['runtime', 'host'],
    ['toolchain', 'default'],
    ...(isDefault ? [['default', 'true'] as const] : []),
    ['run-command', runCommand],
  ]);
  const base = { isDefault, ...(otherDefault ? { otherDefault } : {}), runCommand };
  if (existing === undefined) return { action: 'created', text: group, ...base };
  if (present) return { action: 'replaced', text: replaceGroup(lines, request.group, group), ...base };
  return { action: 'added', text: appendGroup(existing, group), ...base };
}
