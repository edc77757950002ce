/**
 * The CLI's commands, one row each: how to call it, what it does, and its flags. `meridian --help`
 * lists them all; `meridian app --help` those of one area; `meridian app create --help` (or
 * `meridian help app create`) one command with its flags.
 */
export interface CommandHelp {
  /** `area action`, as typed. */
  name: string;
  usage: string;
  about: string;
  flags: [flag: string, meaning: string][];
}

const REGION: [string, string] = ['--region R', 'the region whose services the CLI asks (default: MERIDIAN_REGION or the topology\'s first); any region answers for any app'];
const JSON_FLAG: [string, string] = ['--json', 'machine-readable output'];

export const COMMANDS: CommandHelp[] = [
  {
    name: 'app create',
    usage: 'meridian app create --name N [--home R] [--sdkappid N] [--admin A ...] [--policy P] [--ecdsa-public-key FILE] [--if-not-exists]',
    about: 'Creates an app homed in a region and prints its SDKAppID and secret key (shown this once).',
    flags: [
      ['--name N', 'the app\'s name (required)'],
      ['--home R', 'home region: where all of its data lives (default: the region asked)'],
      ['--sdkappid N', 'a chosen SDKAppID (default: a random free one)'],
      ['--admin A', 'an app admin account (repeat for more; default: administrator)'],
      ['--policy P', 'multi-device policy: single, dual, triple or multi (default single)'],
      ['--ecdsa-public-key FILE', 'a PEM public key that also verifies ECDSA-SHA256 UserSigs'],
      ['--if-not-exists', 'with --sdkappid: succeed, changing nothing, when that app exists'],
      REGION,
      JSON_FLAG,
    ],
  },
  {
    name: 'app list',
    usage: 'meridian app list [--home R]',
    about: 'Lists the apps of every region (SDKAppID, home region, status, name); a region that does not answer is named and the exit code is 1.',
    flags: [['--home R', 'only the apps homed in region R'], REGION, JSON_FLAG],
  },
  {
    name: 'app show',
    usage: 'meridian app show ID [--reveal]',
    about: 'Shows an app\'s settings.',
    flags: [['--reveal', 'include the secret key'], REGION, JSON_FLAG],
  },
  { name: 'app rotate-key', usage: 'meridian app rotate-key ID', about: 'Replaces the app\'s secret key: UserSigs made with the old one stop working.', flags: [REGION, JSON_FLAG] },
  { name: 'app disable', usage: 'meridian app disable ID', about: 'Disables the app: its logins, REST calls and UserSigs are refused (60016) until it is enabled.', flags: [REGION, JSON_FLAG] },
  {
    name: 'app delete',
    usage: 'meridian app delete ID [--yes] [--wait S]',
    about: 'Deletes the app for good: at once its UserSigs, logins and REST calls are refused (70020) and its sessions closed; then every service purges its data (messages, conversations, groups, relationships, sessions, dead letters, media objects) in the home region. Asks you to type the SDKAppID unless --yes; prints the purge\'s progress.',
    flags: [['--yes', 'delete without asking (needed when not on a terminal)'], ['--wait S', 'follow the purge for at most S seconds (default 60; 0 = not at all)'], REGION, JSON_FLAG],
  },
  { name: 'app deletion', usage: 'meridian app deletion ID', about: 'Shows the progress of a deleted app\'s purge, service by service.', flags: [REGION, JSON_FLAG] },
  { name: 'app enable', usage: 'meridian app enable ID', about: 'Enables a disabled app.', flags: [REGION, JSON_FLAG] },
  {
    name: 'app set',
    usage: 'meridian app set ID [--name N] [--admin A ...] [--policy P [--max-per-platform N] [--max-web N]] [--ecdsa-public-key FILE|none] [--rest-qps N] [--rest-app-qps N] [--roaming-days N] [--recall-window S] [--callback-* ...] [--private-callback-targets allow|deny]',
    about: 'Changes an app\'s settings; only the flags given change.',
    flags: [
      ['--name N', 'the app\'s name'],
      ['--admin A', 'the admin accounts (repeat; replaces the list)'],
      ['--policy P', 'multi-device policy: single, dual, triple or multi'],
      ['--max-per-platform N', 'with --policy multi: sessions per platform'],
      ['--max-web N', 'with --policy multi: web sessions'],
      ['--ecdsa-public-key FILE|none', 'a PEM public key for ECDSA UserSigs, or none to remove it'],
      ['--rest-qps N', 'REST calls per second per command (0 = default)'],
      ['--rest-app-qps N', 'REST calls per second for the whole app (0 = default)'],
      ['--roaming-days N', 'days 1:1 messages are kept, 1-360 (0 = default 7)'],
      ['--recall-window S', 'seconds a sender may recall a 1:1 or group message, 1-2592000 (0 = default 120)'],
      ['--callback-url URL|none', 'the app backend\'s callback URL'],
      ['--callback-commands A,B|all|none', 'which callbacks are sent'],
      ['--callback-token T|none', 'the token that signs each callback'],
      ['--callback-timeout-ms N', 'how long a before-callback may take, 100-10000 ms'],
      ['--callback-policy deliver|block', 'what a failed before-callback does to the event'],
      ['--private-callback-targets allow|deny', 'callback URLs on loopback/private/link-local addresses (denied by default)'],
      REGION,
      JSON_FLAG,
    ],
  },
  {
    name: 'callback replay',
    usage: 'meridian callback replay --app ID [--limit N]',
    about: 'Puts dead-lettered after-callbacks of an app back into delivery.',
    flags: [['--app ID', 'the SDKAppID (required)'], ['--limit N', 'at most N of them (default all)'], REGION, JSON_FLAG],
  },
  {
    name: 'group settings',
    usage: 'meridian group settings ID [--group-field KEY:MAXLEN:READ:WRITE ...] [--member-field ...] [--max-members Work=N,Public=N,Meeting=N]',
    about: 'Shows, or adds to, an app\'s custom group and member fields and its member limits.',
    flags: [
      ['--group-field KEY:MAXLEN:READ:WRITE', 'a custom group field (levels: AppAdmin, Owner, Admin, Member, Anyone); repeat for more'],
      ['--member-field KEY:MAXLEN:READ:WRITE', 'a custom member field; repeat for more'],
      ['--max-members Work=N,Public=N,Meeting=N', 'member limits per group type'],
      REGION,
      JSON_FLAG,
    ],
  },
  {
    name: 'push provider',
    usage: 'meridian push provider ID --kind apns|fcm|webhook (--config FILE.json | --remove)',
    about: 'Sets up, or removes, an app\'s offline push provider.',
    flags: [
      ['--kind K', 'apns (.p8 token auth), fcm (service account) or webhook'],
      ['--config FILE.json', 'the provider\'s settings as JSON (docs/operations.md shows each kind\'s fields)'],
      ['--remove', 'remove that provider instead'],
      REGION,
      JSON_FLAG,
    ],
  },
  {
    name: 'usersig gen',
    usage: 'meridian usersig gen --sdkappid N --user U [--expire SECONDS] [--key KEY]',
    about: 'Makes a UserSig for a user. Without --key the app\'s home region signs it (the key never leaves it).',
    flags: [
      ['--sdkappid N', 'the app (required)'],
      ['--user U', 'the UserID (required)'],
      ['--expire SECONDS', 'validity (default 180 days)'],
      ['--key KEY', 'sign here with this secret key instead'],
      REGION,
      JSON_FLAG,
    ],
  },
  {
    name: 'usersig verify',
    usage: 'meridian usersig verify --sdkappid N --user U --sig SIG [--key KEY | --public-key FILE]',
    about: 'Checks a UserSig and prints its version and expiry. Without --key/--public-key the app\'s home region checks it.',
    flags: [
      ['--sdkappid N', 'the app (required)'],
      ['--user U', 'the UserID (required)'],
      ['--sig SIG', 'the UserSig (required)'],
      ['--key KEY', 'check here with this secret key'],
      ['--public-key FILE', 'check here with this PEM public key (ECDSA UserSigs)'],
      REGION,
      JSON_FLAG,
    ],
  },
];

export function findCommand(area: string | undefined, action: string | undefined): CommandHelp | undefined {
  return COMMANDS.find((c) => c.name === `${area} ${action}`);
}

/** Everything, one line per command. */
export function overview(): string {
  return [
    'usage: meridian <area> <command> [flags]   (meridian <area> <command> --help for one command\'s flags)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(16)} ${c.about}`),
    '',
    'Talks gRPC (mutual TLS, as `operator`) to the services of --region; every command takes --json.',
  ].join('\n');
}

/** The commands of one area (`meridian app --help`), or undefined if there is no such area. */
export function areaHelp(area: string): string | undefined {
  const rows = COMMANDS.filter((c) => c.name.startsWith(`${area} `));
  if (!rows.length) return undefined;
  return [`meridian ${area} commands:`, '', ...rows.map((c) => `  ${c.usage}\n      ${c.about}`), '', `meridian ${area} <command> --help shows a command's flags.`].join('\n');
}

export function commandHelp(c: CommandHelp): string {
  const width = Math.max(...c.flags.map(([f]) => f.length));
  return [`usage: ${c.usage}`, '', c.about, '', 'flags:', ...c.flags.map(([f, m]) => `  ${f.padEnd(width)}  ${m}`)].join('\n');
}
