/**
 * The shapes the web console's server sends its page (docs/web-console.md), shared by both sides:
 * the page imports these types only (nothing here may import Node's modules).
 */

export interface WebSimulator {
  name: string;
  status: 'starting' | 'running';
  image: string;
  overlay: string | null;
  project: string | null;
  accel: 'kvm' | 'tcg';
  startedAt: string;
  readyMs?: number;
  /** null: nothing to show (no VNC server: a simulator from before sim web, or a SPICE-only one). */
  screen: { width: number; height: number } | null;
}
