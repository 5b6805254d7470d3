/** How long a guest may take to become ready (`--timeout`), unless told otherwise. Its own module: the command line's defaults need none of the boot's code. */
export const DEFAULT_TIMEOUT_MS = 300_000;
