// The typed settings getter: `onemcp.*` read once per call, checked, with defaults.
import * as vscode from 'vscode';

export type Consent = 'ask' | 'verified' | 'never';

export interface Config {
  /** The onemcp executable (a name on PATH or an absolute path). */
  path: string;
  /** A OneMCP registry (http://HOST:PORT): the daemon finds servers through it (`--registry`),
   *  and its web page is what 'Open Registry Page' opens; empty: the shipped catalogue. */
  registryUrl: string;
  /** Passed as `--consent` when this extension starts the daemon. */
  consent: Consent;
  /** Passed as `--max-tools` when this extension starts the daemon. */
  maxTools: number;
}

export const DEFAULTS: Config = { path: 'onemcp', registryUrl: '', consent: 'verified', maxTools: 64 };

const CONSENTS: readonly Consent[] = ['ask', 'verified', 'never'];

/** The settings, with each value that is missing or of the wrong kind replaced by its default. */
export function readConfig(
  section: Pick<vscode.WorkspaceConfiguration, 'get'> = vscode.workspace.getConfiguration('onemcp'),
): Config {
  const path = section.get<unknown>('path');
  const registryUrl = section.get<unknown>('registryUrl');
  const consent = section.get<unknown>('consent');
  const maxTools = section.get<unknown>('maxTools');
  return {
    path: typeof path === 'string' && path.trim() !== '' ? path.trim() : DEFAULTS.path,
    registryUrl: typeof registryUrl === 'string' ? registryUrl.trim() : DEFAULTS.registryUrl,
    consent: CONSENTS.includes(consent as Consent) ? (consent as Consent) : DEFAULTS.consent,
    maxTools:
      typeof maxTools === 'number' && Number.isInteger(maxTools) && maxTools >= 1 ? maxTools : DEFAULTS.maxTools,
  };
}

/** The `onemcp daemon start` flags that carry the settings. */
export function daemonFlags(c: Config): string[] {
  const flags = ['--consent', c.consent, '--max-tools', String(c.maxTools)];
  if (c.registryUrl !== '') flags.push('--registry', c.registryUrl);
  return flags;
}

/** True when a change to the configuration touches a setting the daemon was started with. */
export function affectsDaemon(e: vscode.ConfigurationChangeEvent): boolean {
  return ['path', 'consent', 'maxTools', 'registryUrl'].some((k) => e.affectsConfiguration(`onemcp.${k}`));
}
