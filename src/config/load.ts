// Resolves the serve configuration: flags over environment over YAML file over
// defaults, validated once with zod. A bad value is a usage error (exit 2) that
// names the field and the source it came from.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { formatJsonPath } from '../json-path.ts';
import { SERVE_OPTIONS, serveConfigSchema, type ServeConfig } from './options.ts';
import { findConfigFile, readConfigFile, settingsForServed, type ProjectSettings } from './file.ts';
import { argsError } from './suggest.ts';

export { UsageError };

type Source = 'flag' | 'env' | 'file';

export type ResolvedServeConfig = ServeConfig & { configFile?: string; project: ProjectSettings };

export function loadServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): ResolvedServeConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        ...Object.fromEntries(
          SERVE_OPTIONS.map((o) => [o.flag, { type: 'switch' in o ? ('boolean' as const) : ('string' as const), multiple: 'list' in o }]),
        ),
      },
    });
  } catch (err) {
    throw argsError(err, ['config', ...SERVE_OPTIONS.map((o) => o.flag)], 'kadmit serve --help');
  }

  const raw: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  const configFile = findConfigFile(parsed.values.config as string | undefined, env, cwd);
  const file = configFile === undefined ? undefined : readConfigFile(configFile);
  for (const [key, value] of Object.entries(file?.settings ?? {})) {
    raw[key] = value;
    origin[key] = `${configFile}: ${key}`;
  }
  const set = (key: string, value: unknown, source: Source, name: string) => {
    raw[key] = value;
    origin[key] = source === 'flag' ? `--${name}` : `${name}`;
  };
  for (const o of SERVE_OPTIONS) {
    const fromEnv = env[o.env];
    if (fromEnv !== undefined && fromEnv !== '') set(o.key, 'list' in o ? fromEnv.split(',').map((s) => s.trim()).filter(Boolean) : fromEnv, 'env', o.env);
    const fromFlag = (parsed.values as Record<string, unknown>)[o.flag];
    if (fromFlag !== undefined) set(o.key, fromFlag, 'flag', o.flag);
  }

  const fileSettings = raw.settings;
  if (file && origin.webhooks !== undefined && !origin.webhooks.startsWith(`${configFile}:`) && origin.settings?.startsWith(`${configFile}:`)
    && typeof fileSettings === 'object' && fileSettings !== null && Array.isArray(raw.webhooks)) {
    raw.settings = settingsForServed(fileSettings as Record<string, unknown>, raw.webhooks as string[], cwd);
  }
  // Parsed once per start: zod's compiled fast path would cost more to build (~4 ms) than it saves.
  const result = serveConfigSchema.safeParse(raw, { jitless: true });
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const where = origin[key] ?? formatJsonPath(issue.path, '(root)');
      return issue.code === 'unrecognized_keys'
        ? `${configFile}: unknown setting(s) ${issue.keys.join(', ')}`
        : `${where}: ${issue.message}`;
    });
    throw new UsageError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const config = result.data as ServeConfig;
  const project = file?.project ?? {};
  return configFile ? { ...config, configFile, project } : { ...config, project };
}

export function serveHelp(): string {
  const width = Math.max(...SERVE_OPTIONS.map((o) => o.flag.length)) + 8;
  const lines = SERVE_OPTIONS.map((o) => {
    const flag = `  --${o.flag}${'switch' in o ? '' : ' V'}`.padEnd(width + 4);
    // The table's help says "(repeatable)" for the README; here it is said once, with the env form.
    const help = 'list' in o ? `${o.help.replace(/ \(repeatable\)$/, '')} (repeatable; env: comma-separated)` : o.help;
    // The worker default is computed from this machine's CPUs: say so.
    const shown = o.key === 'workers' ? `${JSON.stringify(o.default)} on this machine` : JSON.stringify(o.default);
    return `${flag}${help}\n${' '.repeat(width + 4)}env ${o.env}, file key ${o.key}, default ${shown}`;
  });
  return [
    'Usage: kadmit serve [options]',
    '',
    'Serves the configured admission webhooks over HTTPS. Settings come from flags,',
    'then environment variables, then the YAML file given with --config (or',
    'KADMIT_CONFIG, else kadmit.yaml in the working directory; paths in it are',
    'relative to the file), then defaults.',
    '',
    '  --config FILE'.padEnd(width + 4) + 'YAML file of settings (keys as listed below; default ./kadmit.yaml if it exists)',
    ...lines,
    '  --help'.padEnd(width + 4) + 'show this help',
  ].join('\n');
}
