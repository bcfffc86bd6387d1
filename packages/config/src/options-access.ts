import { AUTH_MODES, option } from './option-spec.js';
import { choice, integer, list, onOff, origins, text } from './parsers.js';

/** Where a token may come from besides the headers: the URL's `?token=`, which proxies and load balancers log. */
export const QUERY_TOKEN_MODES = ['allow', 'refuse'] as const;
export type QueryTokenMode = (typeof QUERY_TOKEN_MODES)[number];

/** Who may connect (tokens, origins) and where operators look (the ops surface). */
export const ACCESS_OPTIONS = [
  option({
    key: 'authSecretFile',
    flag: '--auth-secret-file <path>',
    env: 'ODIN_AUTH_SECRET_FILE',
    description: 'turn authentication on: clients need a JWT signed with this shared secret (HS256/384/512)',
    defaultValue: '',
    defaultLabel: 'none (no authentication)',
    parse: text(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authPublicKeyFile',
    flag: '--auth-public-key-file <pem>',
    env: 'ODIN_AUTH_PUBLIC_KEY_FILE',
    description: 'turn authentication on: JWTs signed by the private half of this PEM public key (RS*/PS*, ES*, EdDSA by key type)',
    defaultValue: '',
    defaultLabel: 'none',
    parse: text(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authJwksFile',
    flag: '--auth-jwks-file <path>',
    env: 'ODIN_AUTH_JWKS_FILE',
    description: 'turn authentication on: JWTs signed by a key of this JWKS file (matched by kid), re-read when it changes',
    defaultValue: '',
    defaultLabel: 'none',
    parse: text(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authJwksUrl',
    flag: '--auth-jwks-url <url>',
    env: 'ODIN_AUTH_JWKS_URL',
    description:
      "turn authentication on: JWTs signed by a key of the issuer's JWKS at this https URL (fetched and cached; http only for a loopback issuer); needs --auth-audience",
    defaultValue: '',
    defaultLabel: 'none',
    parse: text(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authAudience',
    flag: '--auth-audience <aud>',
    env: 'ODIN_AUTH_AUDIENCE',
    description: 'when set, a token must name this audience (aud); required with --auth-jwks-url, whose issuer signs tokens for other apps too',
    defaultValue: '',
    defaultLabel: 'not checked',
    parse: text(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authIssuer',
    flag: '--auth-issuer <iss>',
    env: 'ODIN_AUTH_ISSUER',
    description: 'when set, a token must come from this issuer (iss)',
    defaultValue: '',
    defaultLabel: 'not checked',
    parse: text(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authChannelsClaim',
    flag: '--auth-channels-claim <name>',
    env: 'ODIN_AUTH_CHANNELS_CLAIM',
    description:
      'claim listing the channel patterns a token grants (*, BTC.*, *.trade, exact names; at most 256, of which 32 with *, each with at most 4 *); a token without it is refused unless --auth-default-channels grants something',
    defaultValue: 'channels',
    parse: text(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authDefaultChannels',
    flag: '--auth-default-channels <patterns>',
    env: 'ODIN_AUTH_DEFAULT_CHANNELS',
    description:
      "channel patterns granted to a token that has no channels claim ('*' for every channel); without it, such a token is refused (TOKEN_CLAIMS_INVALID)",
    defaultValue: [] as string[],
    defaultLabel: 'none: the claim is required',
    parse: list(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authMaxTokenLifetime',
    flag: '--auth-max-token-lifetime <s>',
    env: 'ODIN_AUTH_MAX_TOKEN_LIFETIME',
    description:
      'longest life a token may have (exp - iat, and exp - now): a longer-lived token is refused (TOKEN_CLAIMS_INVALID); a stolen token is good for no longer',
    defaultValue: 86_400,
    parse: integer(60, 31_536_000),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authClockTolerance',
    flag: '--auth-clock-tolerance <s>',
    env: 'ODIN_AUTH_CLOCK_TOLERANCE',
    description: 'clock skew allowed when checking exp and nbf',
    defaultValue: 30,
    parse: integer(0, 3600),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authRefreshWindow',
    flag: '--auth-refresh-window <s>',
    env: 'ODIN_AUTH_REFRESH_WINDOW',
    description: 'how long before its token expires a connection is sent token_expiring, to refresh it in place; at expiry it is closed with 4001',
    defaultValue: 30,
    parse: integer(1, 3600),
    modes: ['shard', 'local'],
  }),
  option({
    key: 'maxConnectionsPerUser',
    flag: '--max-connections-per-user <n>',
    env: 'ODIN_MAX_CONNECTIONS_PER_USER',
    description:
      "connections one user (its token's sub) may hold when authentication is on: counted by each load balancer across its workers and again by each shard; more get 1013 TOO_MANY_CONNECTIONS, and a token without sub is refused (TOKEN_CLAIMS_INVALID) unless --auth-allow-no-subject; 0 turns it off",
    defaultValue: 100,
    parse: integer(0, 1_000_000),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authAllowNoSubject',
    flag: '--auth-allow-no-subject [on|off]',
    env: 'ODIN_AUTH_ALLOW_NO_SUBJECT',
    description:
      'accept tokens without a sub claim while --max-connections-per-user is on; such tokens are then capped by nothing but the per-IP cap (docs/security.md)',
    defaultValue: false,
    parse: onOff(),
    preset: 'on',
    modes: AUTH_MODES,
  }),
  option({
    key: 'authFailuresPerIp',
    flag: '--auth-failures-per-ip <n>',
    env: 'ODIN_AUTH_FAILURES_PER_IP',
    description:
      "refused tokens per second one client address may send to a load-balancer worker, in bursts of ten seconds' worth; past that its handshakes get 1013 AUTH_RATE_LIMITED without a signature checked",
    defaultValue: 2,
    parse: integer(1, 1_000_000),
    modes: ['loadbalancer', 'local'],
  }),
  option({
    key: 'authQueryToken',
    flag: '--auth-query-token <mode>',
    env: 'ODIN_AUTH_QUERY_TOKEN',
    description:
      "allow or refuse a token in the URL (?token=, which proxies and Google's load balancer log); refused, such a handshake gets 401 TOKEN_IN_QUERY. The Terraform deployment sets refuse",
    defaultValue: 'allow' as QueryTokenMode,
    parse: choice(QUERY_TOKEN_MODES),
    modes: AUTH_MODES,
  }),
  option({
    key: 'allowedOrigins',
    flag: '--allowed-origins <list>',
    env: 'ODIN_ALLOWED_ORIGINS',
    description:
      'browser origins allowed to connect (e.g. https://app.example.com); a handshake with another Origin header gets 403. Clients that send no Origin (non-browsers) are not affected',
    defaultValue: [] as string[],
    defaultLabel: 'any origin',
    parse: origins(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'adminPort',
    flag: '--admin-port <port>',
    env: 'ODIN_ADMIN_PORT',
    description:
      'port of the private ops surface (/metrics, the detailed /health, /ready, /load); the public port answers only /ws, /load and a minimal /health and /ready',
    defaultValue: 0,
    defaultLabel: 'the public port + 100',
    parse: integer(1, 65535),
    modes: ['shard', 'loadbalancer'],
  }),
  option({
    key: 'opsOnPublicPort',
    flag: '--ops-on-public-port [on|off]',
    env: 'ODIN_OPS_ON_PUBLIC_PORT',
    description:
      'serve /metrics and the detailed /health (pid, counts, Kafka state, shard addresses) on the public port instead of a private ops surface: only where that port is reachable from a private network alone',
    defaultValue: false,
    parse: onOff(),
    preset: 'on',
    modes: ['shard', 'loadbalancer'],
  }),
  option({
    key: 'adminHost',
    flag: '--admin-host <host>',
    env: 'ODIN_ADMIN_HOST',
    description: "address of the ops surface: loopback, or the instance's internal address (never a public one)",
    defaultValue: '127.0.0.1',
    parse: text(),
    modes: ['shard', 'loadbalancer'],
  }),
] as const;
