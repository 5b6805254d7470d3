/**
 * Simulator names become directory names in the runtime dir. The plain pattern lives here, under
 * the zod schema of option-values.ts, so that the registry checks names without loading zod.
 */
export const SIMULATOR_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/;
