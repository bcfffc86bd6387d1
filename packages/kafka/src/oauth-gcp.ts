import { OdinError } from '@odin-ws/errors';

/** What kafkajs asks for on every SASL/OAUTHBEARER authentication: the token to present. */
export type OAuthTokenProvider = () => Promise<{ value: string }>;

/** A token is renewed this long before it expires, so a reconnect never presents a dying one. */
const RENEW_BEFORE_MS = 5 * 60_000;
const METADATA_TIMEOUT_MS = 5_000;

export interface GcpTokenProviderOptions {
  /** The metadata server; GCE_METADATA_HOST (as Google's own libraries read it) or metadata.google.internal. */
  metadataHost?: string;
  now?: () => number;
}

/**
 * OAUTHBEARER for Google Cloud Managed Service for Apache Kafka: the access token of the VM's
 * service account, from the metadata server, wrapped the way that service documents for clients
 * that are not Java: three base64url parts like a JWT, a header `{"typ":"JWT","alg":"GOOG_OAUTH2_TOKEN"}`,
 * claims `{exp, iat, iss:"Google", scope:"kafka", sub:<service account email>}`, and the access
 * token itself in place of a signature. Cached until five minutes before it expires.
 */
export function gcpAccessTokenProvider(options: GcpTokenProviderOptions = {}): OAuthTokenProvider {
  const host = options.metadataHost ?? process.env['GCE_METADATA_HOST'] ?? 'metadata.google.internal';
  const now = options.now ?? Date.now;
  let cached: { value: string; renewAt: number } | undefined;
  return async () => {
    if (cached && now() < cached.renewAt) return { value: cached.value };
    const base = `http://${host}/computeMetadata/v1/instance/service-accounts/default`;
    const [token, email] = await Promise.all([metadata(`${base}/token`), metadata(`${base}/email`)]);
    const { access_token: accessToken, expires_in: expiresIn } = parseToken(token);
    const issuedAt = now();
    const expiresAt = issuedAt + expiresIn * 1000;
    const claims = { exp: Math.floor(expiresAt / 1000), iat: Math.floor(issuedAt / 1000), iss: 'Google', scope: 'kafka', sub: email.trim() };
    const value = [JSON.stringify({ typ: 'JWT', alg: 'GOOG_OAUTH2_TOKEN' }), JSON.stringify(claims), accessToken].map(base64Url).join('.');
    cached = { value, renewAt: expiresAt - RENEW_BEFORE_MS };
    return { value };
  };
}

async function metadata(url: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { 'Metadata-Flavor': 'Google' }, signal: AbortSignal.timeout(METADATA_TIMEOUT_MS) });
  } catch (error) {
    throw new OdinError('E_KAFKA_OAUTH_TOKEN', `the GCP metadata server did not answer ${url} (not on GCP, or no service account?)`, { url }, { cause: error });
  }
  if (!response.ok)
    throw new OdinError('E_KAFKA_OAUTH_TOKEN', `the GCP metadata server answered ${response.status} for ${url}`, { url, status: response.status });
  return response.text();
}

function parseToken(text: string): { access_token: string; expires_in: number } {
  try {
    const token = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown };
    if (typeof token.access_token === 'string' && token.access_token !== '' && typeof token.expires_in === 'number') {
      return { access_token: token.access_token, expires_in: token.expires_in };
    }
  } catch {
    // reported below
  }
  throw new OdinError('E_KAFKA_OAUTH_TOKEN', 'the GCP metadata server gave no usable access token', {});
}

function base64Url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
